// Package apperr holds the errors whose messages are safe to show to a user.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the HTTP layer.
type Code int

const (
	CodeInternal Code = iota
	CodeNotFound
	CodeInvalid
	CodeForbidden
	CodeConflict
	CodeUnauthenticated
	CodeTooMany
	CodeUnavailable
)

// Error carries a code and a message written for the user.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound says a thing does not exist or is outside the caller's scope.
func NotFound(format string, args ...any) error { return newf(CodeNotFound, format, args...) }

// Invalid says input was refused.
func Invalid(format string, args ...any) error { return newf(CodeInvalid, format, args...) }

// Forbidden says the caller may not do this.
func Forbidden(format string, args ...any) error { return newf(CodeForbidden, format, args...) }

// Conflict says the change clashes with the current state.
func Conflict(format string, args ...any) error { return newf(CodeConflict, format, args...) }

// Unauthenticated says the caller must sign in.
func Unauthenticated(format string, args ...any) error {
	return newf(CodeUnauthenticated, format, args...)
}

// TooMany says the caller must wait before trying again.
func TooMany(format string, args ...any) error { return newf(CodeTooMany, format, args...) }

// Unavailable says a dependency (the database) is down for now.
func Unavailable(err error) error {
	return &Error{Code: CodeUnavailable, Message: "The service is unavailable", Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or CodeInternal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// MessageOf returns the user-safe message of err, or "" for an internal error.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// Is reports whether err has the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
