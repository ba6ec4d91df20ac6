// Package fanmail holds the vocabulary of fanmail: members, consents, brands,
// surveys, staff and the error codes shared by every layer. It imports only the
// standard library and does no I/O.
package fanmail

import (
	"errors"
	"fmt"
)

// Error codes. Only the web layer maps them to HTTP statuses.
const (
	ECONFLICT     = "conflict"     // the thing already exists or changed meanwhile
	EINTERNAL     = "internal"     // a bug or an outage; the message is generic
	EINVALID      = "invalid"      // the input breaks a rule; the message says which
	ENOTFOUND     = "not_found"    // no such thing
	EUNAUTHORIZED = "unauthorized" // who you are is unknown or wrong
	EFORBIDDEN    = "forbidden"    // who you are is known but may not do this
	ETOOLARGE     = "too_large"    // an upload or a request body is too big
	EUNAVAILABLE  = "unavailable"  // a dependency (SMTP, database) is not configured or down
	EEXPIRED      = "expired"      // a link or token was valid once but is no longer
)

// Error is a failure whose Message is safe to show to the person who caused it.
// Message is an i18n key or plain English; Args fill its placeholders.
type Error struct {
	Code    string
	Message string
	// Field names the input field at fault, if any, so forms can mark it.
	Field string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("fanmail error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("fanmail error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID *Error that names the field at fault.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: message}
}

// ErrorCode returns "" for nil, else the code of the first *Error in err's chain,
// else EINTERNAL.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of the first *Error in err's chain,
// or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorField returns the field named by the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
