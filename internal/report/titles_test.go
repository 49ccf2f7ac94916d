package report

import "testing"

func TestRunningTitles(t *testing.T) {
	names := []string{"Ofsted", "CQC", "HMICFRS", "HMI Probation"}
	for _, c := range []struct{ title, insp, one, many string }{
		{"Early Years Inspector", "Ofsted", "an early years inspector", "early years inspectors"},
		{"Early years inspector", "Ofsted", "an early years inspector", "early years inspectors"},
		{"Children's Services Inspector", "CQC", "a children's services inspector", "children's services inspectors"},
		{"Children’s Services Inspector", "CQC", "a children’s services inspector", "children’s services inspectors"},
		{"Lead inspector", "Ofsted", "a lead inspector", "lead inspectors"},
		{"Adult Social Care Inspector", "CQC", "an adult social care inspector", "adult social care inspectors"},
		{"His Majesty's Inspector", "Ofsted", "one of His Majesty's Inspectors", "His Majesty's Inspectors"},
		{"Senior His Majesty's Inspector", "Ofsted", "a Senior His Majesty's Inspector", "Senior His Majesty's Inspectors"},
		{"His Majesty's Inspector of Probation", "HMI Probation", "one of His Majesty's Inspectors of Probation", "His Majesty's Inspectors of Probation"},
		{"HMI", "Ofsted", "an HMI", "HMI"},
		{"GP adviser", "CQC", "a GP adviser", "GP advisers"},
		{"GP", "CQC", "a GP", "GPs"},
		{"SEND Adviser", "CQC", "a SEND adviser", "SEND advisers"},
		{"SEN adviser", "CQC", "an SEN adviser", "SEN advisers"},
		{"HMI Probation Inspector", "HMI Probation", "an inspector", "inspectors"},
		{"HMI Probation Inspector", "", "an HMI Probation inspector", "HMI Probation inspectors"},
		{"Inspector (CQC)", "CQC", "an inspector", "inspectors"},
		{"Ofsted Inspector", "", "an Ofsted inspector", "Ofsted inspectors"},
		{"HMICFRS Inspector", "", "an HMICFRS inspector", "HMICFRS inspectors"},
		{"Head of Early Help", "", "a head of early help", "heads of early help"},
		{"Isle of Wight liaison officer", "", "an Isle of Wight liaison officer", "Isle of Wight liaison officers"},
		{"Welsh-speaking Inspector", "", "a Welsh-speaking inspector", "Welsh-speaking inspectors"},
		{"Multi-Agency Co-ordinator", "", "a multi-agency co-ordinator", "multi-agency co-ordinators"},
		{"Deputy", "", "a deputy", "deputies"},
		{"Deputy Director", "", "a deputy director", "deputy directors"},
		{"Social Care Staff", "", "a member of social care staff", "social care staff"},
		{"Lay Person", "", "a lay person", "lay people"},
		{"Chairman", "", "a chairman", "chairmen"},
		{"Safeguarding Coach", "", "a safeguarding coach", "safeguarding coaches"},
		{"User Researcher", "", "a user researcher", "user researchers"},
		{"Honorary Adviser", "", "an honorary adviser", "honorary advisers"},
		{"Attorney", "", "an attorney", "attorneys"},
	} {
		got := runningTitle(c.title, c.insp, names)
		if one, many := oneOf(got), pluralTitle(got); one != c.one || many != c.many {
			t.Errorf("%q from %q: %q, %q; want %q, %q", c.title, c.insp, one, many, c.one, c.many)
		}
	}
}
