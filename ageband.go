package fanmail

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AgeBand is a labelled range of ages, inclusive; Max 0 means no upper bound.
type AgeBand struct {
	Label    string
	Min, Max int
}

// DefaultAgeBands are the bands of seed 000 fig. 4, extended to every adult.
var DefaultAgeBands = MustParseAgeBands("15-18,19-20,21-23,24-26,27-29,30-34,35-39,40+")

// ParseAgeBands parses "15-18,19-20,40+" into bands; bands must ascend and not overlap.
func ParseAgeBands(s string) ([]AgeBand, error) {
	var bands []AgeBand
	prev := -1
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		var b AgeBand
		var err error
		if lo, ok := strings.CutSuffix(part, "+"); ok {
			b.Min, err = strconv.Atoi(lo)
		} else if lo, hi, ok := strings.Cut(part, "-"); ok {
			b.Min, err = strconv.Atoi(lo)
			if err == nil {
				b.Max, err = strconv.Atoi(hi)
			}
			if err == nil && b.Max < b.Min {
				err = fmt.Errorf("upper bound below lower")
			}
		} else {
			err = fmt.Errorf("want MIN-MAX or MIN+")
		}
		if err != nil || b.Min <= prev {
			return nil, fmt.Errorf("age band %q: not valid", part)
		}
		b.Label = part
		prev = b.Min
		if b.Max != 0 {
			prev = b.Max
		}
		bands = append(bands, b)
	}
	return bands, nil
}

// MustParseAgeBands is ParseAgeBands that panics; for package-level values.
func MustParseAgeBands(s string) []AgeBand {
	b, err := ParseAgeBands(s)
	if err != nil {
		panic(err)
	}
	return b
}

// AgeBandOf returns the label of the band containing the age of someone born in
// birthYear, or "" when the year is unknown or outside every band.
func AgeBandOf(bands []AgeBand, birthYear int, now time.Time) string {
	age := Age(birthYear, now)
	if age == 0 {
		return ""
	}
	for _, b := range bands {
		if age >= b.Min && (b.Max == 0 || age <= b.Max) {
			return b.Label
		}
	}
	return ""
}

// BirthYearRange returns the birth years whose age this year falls in band.
// maxYear is inclusive; minYear 0 means no lower bound.
func (b AgeBand) BirthYearRange(now time.Time) (minYear, maxYear int) {
	maxYear = now.Year() - b.Min
	if b.Max != 0 {
		minYear = now.Year() - b.Max
	}
	return minYear, maxYear
}
