// Package catalog owns the promotional database (seed 000 fig. 2): brand
// groups, brands, products on their shelves (new, previous season, sale), the
// product images stored on disk, and the downloadable product material.
package catalog

import (
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// DefaultMaxImageBytes is the largest image accepted unless MaxImageBytes says
// otherwise.
const DefaultMaxImageBytes = 5 << 20

// Service manages the catalogue.
type Service struct {
	db            *store.DB
	mediaDir      string
	maxImageBytes int64
	logger        *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// MaxImageBytes sets the largest image AddImage and CreateProduct accept
// (config.MaxUploadBytes); n <= 0 keeps the default.
func MaxImageBytes(n int64) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxImageBytes = n
		}
	}
}

// New returns a Service over db storing uploaded images under mediaDir.
func New(db *store.DB, mediaDir string, logger *slog.Logger, opts ...Option) *Service {
	s := &Service{db: db, mediaDir: mediaDir, maxImageBytes: DefaultMaxImageBytes, logger: logger}
	for _, o := range opts {
		o(s)
	}
	return s
}

// MaxImageSize returns the largest image the service accepts, in bytes.
func (s *Service) MaxImageSize() int64 { return s.maxImageBytes }

// ProductFilter selects products for Products; zero fields select everything.
type ProductFilter = store.ProductFilter

// Input limits.
const (
	maxNameLen = 100
	maxTextLen = 4000
	maxAge     = 120
	maxPrice   = 1_000_000_000_000
)

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// normalizeSlug lowercases and trims a slug.
func normalizeSlug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateSlug(slug string) error {
	if len(slug) > 60 || !slugPattern.MatchString(slug) {
		return fanmail.FieldError("slug", "The slug may use only lowercase letters, digits and dashes (up to 60).")
	}
	return nil
}

// validateName checks a required one-line name.
func validateName(field, value, missing string) error {
	if strings.TrimSpace(value) == "" {
		return fanmail.FieldError(field, missing)
	}
	if utf8.RuneCountInString(value) > maxNameLen {
		return fanmail.FieldError(field, "This text is too long.")
	}
	return nil
}

// validateText checks optional free text.
func validateText(field, value string) error {
	if utf8.RuneCountInString(value) > maxTextLen {
		return fanmail.FieldError(field, "This text is too long.")
	}
	return nil
}

func validatePosition(pos int) error {
	if pos < 0 {
		return fanmail.FieldError("position", "The position cannot be negative.")
	}
	return nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
