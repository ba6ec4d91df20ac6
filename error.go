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
	ETOOMANY      = "too_many"     // too many attempts in a short time; try again later
)

// Error is a failure whose Message is safe to show to the person who caused it.
// Message is an i18n key or plain English; Args fill its placeholders.
type Error struct {
	Code    string
	Message string
	// Args fill the placeholders of Message (fmt verbs). A string or *Error
	// among them is itself a message, translated before it is filled in.
	Args []any
	// Field names the input field at fault, if any, so forms can mark it.
	Field string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("fanmail error: code=%s field=%s message=%s", e.Code, e.Field, e.English())
	}
	return fmt.Sprintf("fanmail error: code=%s message=%s", e.Code, e.English())
}

// English returns the message with its arguments filled in, untranslated.
func (e *Error) English() string {
	return e.Text(func(msg string, args ...any) string {
		if len(args) == 0 {
			return msg
		}
		return fmt.Sprintf(msg, args...)
	})
}

// Text returns the message translated by tr (which formats its arguments,
// like i18n.T in a language), its message arguments translated first.
func (e *Error) Text(tr func(msg string, args ...any) string) string {
	if len(e.Args) == 0 {
		return tr(e.Message)
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		switch a := a.(type) {
		case string:
			args[i] = tr(a)
		case *Error:
			args[i] = a.Text(tr)
		default:
			args[i] = a
		}
	}
	return tr(e.Message, args...)
}

// FieldErrorf returns an EINVALID *Error naming field whose message is a
// translatable format with arguments.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: format, Args: args}
}

// Msg returns a message with arguments, to pass as an argument of another
// message: each is translated on its own.
func Msg(format string, args ...any) *Error {
	return &Error{Message: format, Args: args}
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
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
		return e.English()
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
