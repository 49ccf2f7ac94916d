package evidence

import (
	"strings"
	"testing"
)

// The detector itself is tested in internal/personal; these check the guard's wiring and the
// sentences seen getting through the note form.
func TestScanFlagsWhatGotThrough(t *testing.T) {
	t.Parallel()
	staff := []string{"Ira Inspector", "Priya Shah"}
	tests := []struct {
		text  string
		kinds []string
	}{
		{"Sarah Jones said the health visitor had not been in touch.", []string{GuardKindName}},
		{"Dad (Tom, 34) said baby Alfie was seen at six weeks.", []string{GuardKindFamily, GuardKindChildName}},
		{"They live at 14 High Street, Morpeth.", []string{GuardKindAddress}},
		{"Mrs Jane Smith and Mr John Brown came.", []string{GuardKindName, GuardKindName}},
		{"Priya Shah ran the session.", []string{GuardKindStaffName}},
		{"Email a@b.org or NHS 943 476 5919", []string{GuardKindEmail, GuardKindNHSNumber}},
	}
	for _, tc := range tests {
		got := Scan(tc.text, staff)
		var kinds []string
		for _, f := range got {
			kinds = append(kinds, f.Kind)
			if tc.text[f.Start:f.End] != f.Text || f.Message == "" {
				t.Errorf("Scan(%q): bad finding %+v", tc.text, f)
			}
		}
		if strings.Join(kinds, ",") != strings.Join(tc.kinds, ",") {
			t.Errorf("Scan(%q) kinds = %v, want %v", tc.text, kinds, tc.kinds)
		}
	}
}

func TestScanRealisticProseHasNoFindings(t *testing.T) {
	t.Parallel()
	prose := `We visited the area on 8 August 2023 and 9 August 2023. At 10:30 we met 12 families at the
family hub, including parents of 0- to 2-year-olds and 3 fathers. Around 85% of parents said they had
been offered a 6-8 week check; 2 in 10 said the 1–2 year review was late. The health visitor said
the service had seen 1,250 families in 2022-23, up from 1,001 in 2021/22, against 'The best start
for life: a vision for the 1,001 critical days' (Department of Health and Social Care, March 2021).
A midwife said perinatal mental health referrals took 6 to 8 weeks; one parent asked to see the Dr.
The family hub opens 9am to 5pm, Monday to Friday, with 3 sessions a week on the A1 road site and in
PE1. The self-assessment rated data-sharing 2 out of 4. In Q3 4th week, 45 of 120 parents (37.5%)
attended. Ofsted and CQC inspectors (2 EYIs and 1 CQC inspector) were on site from 09:00 to 17:00.
Babies are born into families who need help from day 1; the Dr was not available on 10/08/2023.
Reference 2023/0815 and 01/08/2023 to 03/08/2023 were quoted. Phone lines opened in 2019.`
	got := Scan(prose, []string{"Ira Inspector", "Priya Shah"})
	if len(got) != 0 {
		t.Fatalf("want no findings, got %+v", got)
	}
	if s := Summary(got); s != "" {
		t.Errorf("Summary(nil) = %q, want empty", s)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	got := Summary([]Finding{{Kind: GuardKindPhone}, {Kind: GuardKindName}, {Kind: GuardKindPhone}})
	if want := "3 possible items of personal data: 2 phone numbers, a person's name"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}
