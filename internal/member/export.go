package member

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// ExportFilter chooses the members Export writes and the header language.
type ExportFilter struct {
	Status string // "" for every member, else fanmail.MemberPending, MemberActive or MemberInactive
	Lang   string // header names: fanmail.LangKorean (default) or LangEnglish
}

// exportPage is how many members Export reads per query.
const exportPage = 1000

// Export extra columns after Fields; Import ignores them.
var exportExtra = [][2]string{{"상태", "status"}, {"가입경로", "source"}, {"가입일시", "created_at"}}

// Export writes the members chosen by f to w as CSV: UTF-8 with a BOM and CRLF
// line ends (so Excel opens Korean text correctly), the columns of Fields
// (what Import reads back; consents as Y, N or empty when never decided)
// followed by status, source and creation time (UTC). It pages by id, so
// memory stays constant for any number of members. An unknown status is
// EINVALID.
func (s *Service) Export(ctx context.Context, w io.Writer, f ExportFilter) error {
	if err := checkExportStatus(f.Status); err != nil {
		return err
	}
	lang := 0
	if f.Lang == fanmail.LangEnglish {
		lang = 1
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	rec := make([]string, 0, len(Fields)+len(exportExtra))
	for _, fld := range Fields {
		rec = append(rec, headers[fld][lang])
	}
	for _, h := range exportExtra {
		rec = append(rec, h[lang])
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var after int64
	for {
		ms, err := s.db.MembersForExport(ctx, f.Status, after, exportPage)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := cw.Write(exportRecord(rec[:0], m)); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(ms) < exportPage {
			return nil
		}
		after = ms[len(ms)-1].ID
	}
}

// CountExport returns how many members Export would write for f, so a large
// export can be asked for its reason first. An unknown status is EINVALID.
func (s *Service) CountExport(ctx context.Context, f ExportFilter) (int, error) {
	if err := checkExportStatus(f.Status); err != nil {
		return 0, err
	}
	return s.db.CountMembersForExport(ctx, f.Status)
}

func checkExportStatus(status string) error {
	switch status {
	case "", fanmail.MemberPending, fanmail.MemberActive, fanmail.MemberInactive:
		return nil
	}
	return fanmail.FieldError("status", "Unknown member status.")
}

func exportRecord(rec []string, m store.ExportedMember) []string {
	for _, f := range Fields {
		rec = append(rec, exportValue(m, f))
	}
	return append(rec, m.Status, m.Source, m.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
}

func exportValue(m store.ExportedMember, field string) string {
	switch field {
	case FieldCode:
		return safeCell(m.Code)
	case FieldEmail:
		return safeCell(m.Email)
	case FieldName:
		return safeCell(m.Name)
	case FieldPhone:
		return safeCell(m.Phone)
	case FieldBirthYear:
		if m.BirthYear > 0 {
			return strconv.Itoa(m.BirthYear)
		}
		return ""
	case FieldGender:
		return m.Gender
	case FieldPostalCode:
		return safeCell(m.PostalCode)
	case FieldAddress:
		return safeCell(m.Address)
	case FieldLang:
		return m.Lang
	}
	granted, ok := m.Consents[field]
	switch {
	case !ok:
		return ""
	case granted:
		return "Y"
	}
	return "N"
}

// safeCell keeps a spreadsheet from running v as a formula (CSV injection) by
// prefixing an apostrophe, which Import removes again.
func safeCell(v string) string {
	if v != "" && strings.IndexByte(formulaStart, v[0]) >= 0 {
		return "'" + v
	}
	return v
}
