package auth_test

import (
	"strings"
	"testing"
	"time"

	"thematic/internal/auth"
)

func TestHashPasswordFormatAndCheck(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with m=19456,t=2,p=1", h)
	}
	if parts := strings.Split(h, "$"); len(parts) != 6 {
		t.Fatalf("hash %q has %d parts, want 6", h, len(parts))
	}
	if !auth.CheckPassword(h, "correct horse battery staple") {
		t.Fatal("the right password does not verify")
	}
	if auth.CheckPassword(h, "correct horse battery stapler") {
		t.Fatal("a wrong password verifies")
	}
	if auth.CheckPassword("", "") || auth.CheckPassword("", "anything") {
		t.Fatal("an empty hash verifies")
	}
	if h2, _ := auth.HashPassword("correct horse battery staple"); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

func TestCheckNewPassword(t *testing.T) {
	t.Parallel()
	pasted := strings.Repeat("Xq7#", 50) // 200 characters, as from a password manager
	if len(pasted) != 200 {
		t.Fatal(len(pasted))
	}
	for _, ok := range []string{pasted, "three random words", "a much better passphrase", "8 chars!"} {
		if err := auth.CheckNewPassword(ok, "someone@example.test"); err != nil {
			t.Errorf("CheckNewPassword(%.20q) = %v, want accepted", ok, err)
		}
	}
	for pw, want := range map[string]error{
		"password1":  auth.ErrPasswordCommon,
		"qwertyuiop": auth.ErrPasswordCommon,
		"PASSWORD1":  auth.ErrPasswordCommon,
		"aaaaaaaaaa": auth.ErrPasswordCommon,
		"short":      auth.ErrPasswordShort,
		"1234567":    auth.ErrPasswordShort,
		"":           auth.ErrPasswordShort,
		strings.Repeat("x", auth.MaxPasswordLen) + "yz": auth.ErrPasswordLong,
		"my someone@example.test pw":                    auth.ErrPasswordEmail,
	} {
		if err := auth.CheckNewPassword(pw, "someone@example.test"); err != want {
			t.Errorf("CheckNewPassword(%.20q) = %v, want %v", pw, err, want)
		}
	}
}

// The secret of RFC 6238's SHA-1 test vectors: ASCII "12345678901234567890", base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPMatchesRFC6238(t *testing.T) {
	t.Parallel()
	// RFC 6238 appendix B gives 8 digits; the service uses the last 6.
	for unix, want := range map[int64]string{
		59:          "287082", // 94287082
		1111111109:  "081804", // 07081804
		1111111111:  "050471", // 14050471
		1234567890:  "005924", // 89005924
		2000000000:  "279037", // 69279037
		20000000000: "353130", // 65353130
	} {
		got, err := auth.TOTPCode(rfcSecret, time.Unix(unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("TOTPCode at %d = %s, want %s", unix, got, want)
		}
	}
}

func TestVerifyTOTP(t *testing.T) {
	t.Parallel()
	secret := auth.NewTOTPSecret()
	if len(secret) != 32 {
		t.Fatalf("secret %q: want 32 base32 characters (160 bits)", secret)
	}
	now := time.Unix(1_700_000_000, 0)
	code, _ := auth.TOTPCode(secret, now)
	step, ok := auth.VerifyTOTP(secret, code, now, 0)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("VerifyTOTP = %d, %v; want step %d", step, ok, now.Unix()/30)
	}
	// The same step cannot be used twice.
	if _, ok := auth.VerifyTOTP(secret, code, now, step); ok {
		t.Fatal("a replayed step was accepted")
	}
	// One step of clock drift either way is allowed, more is not.
	if _, ok := auth.VerifyTOTP(secret, code, now.Add(30*time.Second), 0); !ok {
		t.Error("a code from the previous step was refused")
	}
	if _, ok := auth.VerifyTOTP(secret, code, now.Add(90*time.Second), 0); ok {
		t.Error("a code three steps old was accepted")
	}
	// Spaces typed between the digits are ignored; wrong codes and lengths are refused.
	if _, ok := auth.VerifyTOTP(secret, code[:3]+" "+code[3:], now, 0); !ok {
		t.Error("a code typed with a space was refused")
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	for _, bad := range []string{wrong, code[:5], code + "1", ""} {
		if _, ok := auth.VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("VerifyTOTP(%q) accepted", bad)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes := auth.NewRecoveryCodes(10)
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 12 || c[4] != '-' || c[9] != '-' {
			t.Errorf("code %q is not xxxx-xxxx-xx", c)
		}
		seen[c] = true
	}
	if len(seen) != 10 {
		t.Error("recovery codes repeat")
	}
	if got := auth.NormaliseRecoveryCode(" ABCD-efgh jk "); got != "abcdefghjk" {
		t.Errorf("NormaliseRecoveryCode = %q", got)
	}
}
