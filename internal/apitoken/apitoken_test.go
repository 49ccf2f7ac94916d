package apitoken

import (
	"strings"
	"testing"
	"time"
)

func TestSecretsAreRecognisableAndHashed(t *testing.T) {
	s, h := newSecret()
	if !strings.HasPrefix(s, Prefix) || !WellFormed(s) {
		t.Fatalf("secret %q", s)
	}
	if string(h) != string(Hash(s)) || len(h) != 32 {
		t.Fatal("the stored hash is not the secret's SHA-256")
	}
	if s2, _ := newSecret(); s2 == s {
		t.Fatal("two secrets alike")
	}
	for _, bad := range []string{"", Prefix, "thx_" + s[4:], s + "A", s[:len(s)-1] + "!", strings.ToUpper(Prefix) + s[4:]} {
		if WellFormed(bad) {
			t.Errorf("%q taken as well formed", bad)
		}
	}
}

func TestInputValidate(t *testing.T) {
	for _, c := range []struct {
		in     Input
		fields []string
	}{
		{Input{Name: " Script ", Scope: Read, Days: 30}, nil},
		{Input{Name: "x", Scope: ReadWrite, Days: 365}, nil},
		{Input{Name: "  ", Scope: "admin", Days: 3}, []string{"name", "scope", "expiry"}},
		{Input{Name: strings.Repeat("é", 101), Scope: Read, Days: 7}, []string{"name"}},
	} {
		errs := c.in.Validate()
		var got []string
		for _, e := range errs.List() {
			got = append(got, e.Field)
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%+v: fields %v, want %v", c.in, got, c.fields)
		}
	}
}

func TestLimitedErrorRetrySeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, 300 * time.Millisecond: 1, 1500 * time.Millisecond: 2, 59 * time.Second: 59} {
		if got := (&LimitedError{RetryAfter: d}).RetrySeconds(); got != want {
			t.Errorf("%v: %d, want %d", d, got, want)
		}
	}
}
