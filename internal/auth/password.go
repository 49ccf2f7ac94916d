// Package auth holds credentials (argon2id passwords, TOTP, single-use tokens) and the one place
// that decides who may do what.
package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum of 19 MiB, 2 passes, 1 lane.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	saltLen        = 16

	MinPasswordLen = 8
	MaxPasswordLen = 1024 // long pass-phrases are welcome; this only bounds hashing work
)

// maxHashing bounds the argon2 hashings running at once. Each takes its memory parameter
// (19 MiB) in one allocation that is garbage straight after, so fifty people signing in
// together made the heap, and the garbage collector's target with it, reach hundreds of MB
// (the load harness signing in 51 users peaked at 187 MB resident with four at a time).
// Hashing is bound by the processor anyway: more at once than this only adds memory.
const maxHashing = 2

var hashing = make(chan struct{}, maxHashing)

// idKey is argon2.IDKey, waiting for a place among the hashings allowed at once.
func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := idKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// dummyHash is compared against when an account does not exist, so that timing does not tell.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password, only here for timing")
	return h
})

// CheckPassword reports whether password matches the encoded hash. An empty hash never matches
// but still costs one hashing, so that unknown accounts take as long as known ones.
func CheckPassword(encoded, password string) bool {
	if encoded == "" {
		encoded = dummyHash()
		_ = checkPassword(encoded, password)
		return false
	}
	return checkPassword(encoded, password)
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := idKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed common-passwords.txt.gz
var commonGz []byte

// The list is lower-case passwords of 8 or more characters from a public list of the most
// common passwords (zxcvbn-ts, MIT), plus a few this service invites.
var common = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 20000)
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("auth: embedded password list: " + err.Error())
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		m[sc.Text()] = struct{}{}
	}
	for _, p := range []string{"thematic", "thematic1", "thematic123", "password123", "ofsted123", "inspector"} {
		m[p] = struct{}{}
	}
	return m
})

// ErrPassword* are the reasons a new password is refused, worded for the user.
var (
	ErrPasswordShort  = errors.New("Password must be 8 characters or more")
	ErrPasswordLong   = fmt.Errorf("Password must be %d characters or fewer", MaxPasswordLen)
	ErrPasswordCommon = errors.New("Password is too common: choose one that is harder to guess, such as three random words")
	ErrPasswordEmail  = errors.New("Password must not contain your email address")
)

// CheckNewPassword applies the rules for a new password: a length range and not a common or
// guessable one. There are no composition rules.
func CheckNewPassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return ErrPasswordShort
	case n > MaxPasswordLen:
		return ErrPasswordLong
	}
	lower := strings.ToLower(password)
	if _, ok := common()[lower]; ok {
		return ErrPasswordCommon
	}
	if strings.Trim(lower, lower[:1]) == "" { // one character repeated
		return ErrPasswordCommon
	}
	if email != "" && strings.Contains(lower, strings.ToLower(email)) {
		return ErrPasswordEmail
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && lower == local {
		return ErrPasswordEmail
	}
	return nil
}
