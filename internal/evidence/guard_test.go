package evidence

import (
	"strings"
	"testing"
)

type guardWant struct {
	kind string
	text string
}

func guardCheck(t *testing.T, text string, names []string, want []guardWant) {
	t.Helper()
	got := Scan(text, names)
	for i, f := range got {
		if text[f.Start:f.End] != f.Text {
			t.Errorf("finding %d: text[%d:%d] = %q, Text = %q", i, f.Start, f.End, text[f.Start:f.End], f.Text)
		}
		if f.Message == "" {
			t.Errorf("finding %d (%s): empty message", i, f.Kind)
		}
		if i > 0 && got[i-1].End > f.Start {
			t.Errorf("findings %d and %d overlap or are unsorted: %+v %+v", i-1, i, got[i-1], f)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Scan(%q) = %d findings %+v, want %d %+v", text, len(got), got, len(want), want)
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].Text != w.text {
			t.Errorf("Scan(%q)[%d] = %s %q, want %s %q", text, i, got[i].Kind, got[i].Text, w.kind, w.text)
		}
	}
}

func TestScanKinds(t *testing.T) {
	t.Parallel()
	users := []string{"Ira Inspector", "Priya Shah", "Jo B", "Ann", "  "}
	tests := []struct {
		name string
		text string
		want []guardWant
	}{
		// email
		{"email plain", "Contact jo.bloggs@example.org.uk for the list.", []guardWant{{"email", "jo.bloggs@example.org.uk"}}},
		{"email plus", "Sent to a+b@nhs.net today", []guardWant{{"email", "a+b@nhs.net"}}},
		{"email not handle", "Follow @familyhub on social media", nil},
		{"email not at sign", "Parents met @ the hub at 10:30", nil},

		// phone
		{"phone mobile", "Call 07700 900123 for help", []guardWant{{"phone", "07700 900123"}}},
		{"phone plus44", "Call +44 7700 900123 today", []guardWant{{"phone", "+44 7700 900123"}}},
		{"phone plus44 zero", "Call +44 (0)191 498 0000 today", []guardWant{{"phone", "+44 (0)191 498 0000"}}},
		{"phone landline", "The line is 0191 498 0000.", []guardWant{{"phone", "0191 498 0000"}}},
		{"phone brackets", "Ring (0191) 4980000 now", []guardWant{{"phone", "(0191) 4980000"}}},
		{"phone hyphens", "Ring 020-7946-0958 now", []guardWant{{"phone", "020-7946-0958"}}},
		{"phone unspaced", "Ring 02079460958", []guardWant{{"phone", "02079460958"}}},
		{"phone 0800", "Helpline 0808 800 5000 is free", []guardWant{{"phone", "0808 800 5000"}}},
		{"phone after colon", "Tel:07700 900123", []guardWant{{"phone", "07700 900123"}}},
		{"phone not year", "In 2023 and 2024, 12 families", nil},
		{"phone not too short", "Call 0191 498 for details", nil},
		{"phone not 09", "Premium 0909 879 0000 line", nil},
		{"phone not 05", "Ref 05 1234 5678 here", nil},
		{"phone not too long", "Ref 0191 498 0000 0000 here", nil},
		{"phone not decimal", "A rate of 0.07700900123 here", nil},

		// NHS number
		{"nhs spaced", "NHS number 943 476 5919 noted", []guardWant{{"nhs_number", "943 476 5919"}}},
		{"nhs hyphen", "ref 943-476-5919", []guardWant{{"nhs_number", "943-476-5919"}}},
		{"nhs run", "ref 9434765919.", []guardWant{{"nhs_number", "9434765919"}}},
		{"nhs bad check digit", "NHS number 943 476 5918 noted", nil},
		{"nhs check 10 invalid", "ref 123 456 7890", nil},
		{"nhs mixed separators", "ref 943 476-5919", nil},
		{"nhs inside longer number", "ref 19434765919", nil},

		// postcode
		{"postcode NE1", "The hub at NE1 4ST opened", []guardWant{{"postcode", "NE1 4ST"}}},
		{"postcode SW1A", "SW1A 1AA", []guardWant{{"postcode", "SW1A 1AA"}}},
		{"postcode M1", "near M1 1AE.", []guardWant{{"postcode", "M1 1AE"}}},
		{"postcode B33", "B33 8TH", []guardWant{{"postcode", "B33 8TH"}}},
		{"postcode CR2", "cr2 6xh lower case", []guardWant{{"postcode", "cr2 6xh"}}},
		{"postcode DN55 no space", "at DN551PT,", []guardWant{{"postcode", "DN551PT"}}},
		{"postcode outward alone", "Families in PE1 said", nil},
		{"postcode road", "off the A1 road and the M62", nil},
		{"postcode ordinal", "in Q3 4th week and Year 2 1st term", nil},
		{"postcode in word", "XNE1 4ST", nil},

		// date of birth
		{"dob born on", "Child born on 12/03/2021 attends", []guardWant{{"date_of_birth", "12/03/2021"}}},
		{"dob DOB colon", "DOB: 12-03-2021", []guardWant{{"date_of_birth", "12-03-2021"}}},
		{"dob D.O.B.", "D.O.B. 12 March 2021", []guardWant{{"date_of_birth", "12 March 2021"}}},
		{"dob date of birth", "Her date of birth is March 12, 2021.", []guardWant{{"date_of_birth", "March 12, 2021"}}},
		{"dob birthday", "birthday on the 3rd of May 2020", []guardWant{{"date_of_birth", "3rd of May 2020"}}},
		{"dob ordinal comma", "born 12th March, 2021", []guardWant{{"date_of_birth", "12th March, 2021"}}},
		{"dob short year", "d.o.b 12/03/21", []guardWant{{"date_of_birth", "12/03/21"}}},
		{"dob visit date", "We visited on 8 August 2023 and 12/03/2021.", nil},
		{"dob too far", "The baby was born in the hospital and we visited them on 8 August 2023", nil},
		{"dob next sentence", "Born at home. On 8 August 2023 we visited.", nil},
		{"dob no date", "Since they were born, families said", nil},

		// titled name
		{"title Mrs", "Mrs Khan said the hub helped", []guardWant{{"titled_name", "Mrs Khan"}}},
		{"title Dr. two words", "Dr. Amara Osei runs it", []guardWant{{"titled_name", "Dr. Amara Osei"}}},
		{"title Mr Ms Miss Mx Prof", "Mr Jones, Ms Lee, Miss Patel, Mx Doe and Prof. Grey", []guardWant{
			{"titled_name", "Mr Jones"}, {"titled_name", "Ms Lee"}, {"titled_name", "Miss Patel"},
			{"titled_name", "Mx Doe"}, {"titled_name", "Prof. Grey"}}},
		{"title possessive", "Mrs Khan's team and Dr Amara Osei’s clinic", []guardWant{{"titled_name", "Mrs Khan"}, {"titled_name", "Dr Amara Osei"}}},
		{"title hyphenated", "Dr Osei-Mensah said", []guardWant{{"titled_name", "Dr Osei-Mensah"}}},
		{"title lower case after", "The Dr said the clinic was busy", nil},
		{"title sentence end", "We spoke to the Dr. The clinic was busy.", nil},
		{"title at end", "We spoke to the Dr", nil},
		{"title at line end", "We spoke to the Dr\nFamilies said", nil},
		{"title second word sentence", "Mrs Khan. The hub", []guardWant{{"titled_name", "Mrs Khan"}}},
		{"title not in word", "MrsKhan and DrOsei", nil},

		// user names
		{"user full", "Ira Inspector observed the session", []guardWant{{"user_name", "Ira Inspector"}}},
		{"user case", "notes by priya shah.", []guardWant{{"user_name", "priya shah"}}},
		{"user twice adjacent", "Priya Shah Priya Shah", []guardWant{{"user_name", "Priya Shah"}, {"user_name", "Priya Shah"}}},
		{"user surname alone", "Shah said", nil},
		{"user part of word", "Priya Shahid said", nil},
		{"user short ignored", "Jo B and Ann were there", nil},
		{"user newline", "Priya\nShah", []guardWant{{"user_name", "Priya\nShah"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			guardCheck(t, tc.text, users, tc.want)
		})
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

func TestScanOverlapsPreferSpecificKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		names []string
		want  []guardWant
	}{
		// A valid NHS number that also reads as an 0x phone number.
		{"nhs over phone", "ref 012 345 6789 given", nil, []guardWant{{"nhs_number", "012 345 6789"}}},
		// A user's name after a title: the user name wins, the title is not separately flagged.
		{"user over title", "Dr Priya Shah met us", []string{"Priya Shah"}, []guardWant{{"user_name", "Priya Shah"}}},
		// An email containing a user name.
		{"email over user", "write to priya.shah@example.com", []string{"Priya Shah"}, []guardWant{{"email", "priya.shah@example.com"}}},
		// A DOB date that also looks like a phone-ish run does not double up.
		{"dob and title", "Mrs Khan, born 12/03/2021", nil, []guardWant{{"titled_name", "Mrs Khan"}, {"date_of_birth", "12/03/2021"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			guardCheck(t, tc.text, tc.names, tc.want)
		})
	}
}

func TestScanMultiByteOffsets(t *testing.T) {
	t.Parallel()
	text := "café – Mrs Ńowak said “ring 07700 900123” to Żaneta Kowalska at NE1 4ST ✓"
	want := []guardWant{
		{"titled_name", "Mrs Ńowak"},
		{"phone", "07700 900123"},
		{"user_name", "Żaneta Kowalska"},
		{"postcode", "NE1 4ST"},
	}
	guardCheck(t, text, []string{"żaneta kowalska"}, want)
	got := Scan(text, []string{"żaneta kowalska"})
	if got[0].Start != strings.Index(text, "Mrs") {
		t.Errorf("Start = %d, want byte offset %d", got[0].Start, strings.Index(text, "Mrs"))
	}
	if got[0].Message != "This looks like a person's name after a title (Mrs)" {
		t.Errorf("Message = %q", got[0].Message)
	}
}

func TestGuardValidNHS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"9434765919", true},
		{"943 476 5919", true},
		{"9434765918", false},
		{"4010232137", true},
		{"0123456789", true},
		{"1234567890", false}, // check digit computes to 10
		{"123456789", false},
	}
	for _, tc := range tests {
		if got := guardValidNHS(tc.in); got != tc.want {
			t.Errorf("guardValidNHS(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []Finding
		want string
	}{
		{"none", nil, ""},
		{"one", []Finding{{Kind: GuardKindPostcode}}, "1 possible item of personal data: a postcode"},
		{"two kinds", []Finding{{Kind: GuardKindEmail}, {Kind: GuardKindNHSNumber}},
			"2 possible items of personal data: an email address, an NHS number"},
		{"repeats", []Finding{{Kind: GuardKindPhone}, {Kind: GuardKindTitledName}, {Kind: GuardKindPhone}},
			"3 possible items of personal data: 2 phone numbers, a name after a title"},
		{"all kinds", []Finding{{Kind: GuardKindDateOfBirth}, {Kind: GuardKindUserName}},
			"2 possible items of personal data: a date of birth, a name of a user of the system"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Summary(tc.in); got != tc.want {
				t.Errorf("Summary = %q, want %q", got, tc.want)
			}
		})
	}
	text := "Email a@b.org or NHS 943 476 5919"
	if got, want := Summary(Scan(text, nil)), "2 possible items of personal data: an email address, an NHS number"; got != want {
		t.Errorf("Summary(Scan) = %q, want %q", got, want)
	}
}

func BenchmarkScan(b *testing.B) {
	para := `We visited the family hub on 8 August 2023 at 10:30 and met 12 families with 0- to 2-year-olds. ` +
		`Around 85% said the 6-8 week check happened; Mrs Khan's team (the Dr. was away) ran 3 sessions. ` +
		`Parents said referrals took 6 to 8 weeks, and the hub in NE1 4ST was welcoming. `
	var sb strings.Builder
	for sb.Len() < 20000 {
		sb.WriteString(para)
	}
	text := sb.String()[:20000]
	names := []string{"Ira Inspector", "Priya Shah", "Tom Lead", "Sam Observer", "Alex Admin"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Scan(text, names)
	}
}
