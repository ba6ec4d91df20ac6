package member_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// freshDB opens another empty database on the engine of db.
func freshDB(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if db.Engine() == store.SQLite {
		return storetest.OpenSQLite(t)
	}
	return storetest.OpenPostgres(t, storetest.PostgresURL(t))
}

func export(t *testing.T, s *member.Service, f member.ExportFilter) string {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Export(context.Background(), &buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// withoutCreatedAt drops the last column (creation time) of every line.
func withoutCreatedAt(csv string) []string {
	lines := strings.Split(csv, "\r\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(l, ','); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return lines
}

// Exporting, importing the export elsewhere and exporting again gives the same
// file: every column and consent survives, in both header languages, across
// several keyset pages.
func TestService_Export_RoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		var b strings.Builder
		b.WriteString("회원아이디,이메일,이름,휴대폰,출생연도,성별,우편번호,주소,언어,이용약관동의,개인정보동의,마케팅수신동의,문자수신동의,야간문자수신동의\n")
		b.WriteString("-dash,formula@example.com,=SUM(A1),+82 10 1111 2222,1980,기타,04524,\"서울 중구 세종대로 110\n2층 \"\"본관\"\"\",en,Y,Y,N,Y,Y\n")
		for i := range 2500 {
			fmt.Fprintf(&b, "fan%d,%s,%s,010-%04d-0000,%d,%s,,\"부산 해운대구, %d\",,,,%s,,\n", i, genEmail(i),
				genSurnames[i%len(genSurnames)]+genGiven[i%len(genGiven)], i, 1960+i%40, genGenders[i%len(genGenders)], i,
				genYesNo[i%len(genYesNo)])
		}
		res := importString(t, s, b.String(), member.ImportRequest{Status: fanmail.MemberActive, DefaultConsents: []string{fanmail.PurposeTerms}})
		if res.OK != 2501 || res.Bad != 0 {
			t.Fatalf("first import: %+v", res.ImportProgress)
		}

		for _, lang := range []string{fanmail.LangKorean, fanmail.LangEnglish} {
			out := export(t, s, member.ExportFilter{Lang: lang})
			if !strings.HasPrefix(out, "\ufeff") || strings.Count(out, "\r\n") != 2503 { // header + 2501 rows, one with a line break
				t.Fatalf("%s export: %d lines", lang, strings.Count(out, "\r\n"))
			}
			// A spreadsheet must not run the formula.
			if !strings.Contains(out, "'-dash,formula@example.com,'=SUM(A1),'+82 10 1111 2222,1980,other,04524,") {
				t.Errorf("%s export lacks the guarded row:\n%s", lang, out[:400])
			}
			other := freshDB(t, db)
			s2 := newService(t, other)
			res2 := importString(t, s2, out, member.ImportRequest{Status: fanmail.MemberActive})
			if res2.OK != 2501 || res2.Bad != 0 {
				t.Fatalf("%s re-import: %+v, errors %v", lang, res2.ImportProgress, allImportErrors(t, s2, res2.ImportID))
			}
			if diff := cmp.Diff(withoutCreatedAt(out), withoutCreatedAt(export(t, s2, member.ExportFilter{Lang: lang}))); diff != "" {
				t.Errorf("%s round trip (-first +second):\n%s", lang, diff)
			}
			m, err := other.MemberByEmail(context.Background(), "formula@example.com")
			if err != nil || m.Name != "=SUM(A1)" || m.Code != "-dash" || m.Address != "서울 중구 세종대로 110\n2층 \"본관\"" {
				t.Errorf("%s round-tripped member %+v, %v", lang, m, err)
			}
			cur, _ := other.CurrentConsents(context.Background(), m.ID)
			want := map[string]bool{"terms": true, "privacy": true, "marketing_email": false, "marketing_sms": true, "night_sms": true}
			if diff := cmp.Diff(want, cur); diff != "" {
				t.Errorf("%s round-tripped consents (-want +got):\n%s", lang, diff)
			}
		}
	})
}

func TestService_Export_Filter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		importString(t, s, "email,name\nactive@example.com,가\n", member.ImportRequest{Status: fanmail.MemberActive})
		importString(t, s, "email,name\npending@example.com,나\n", member.ImportRequest{})
		out := export(t, s, member.ExportFilter{Status: fanmail.MemberPending, Lang: fanmail.LangEnglish})
		want := "\ufeffmember_id,email,name,phone,birth_year,gender,postal_code,address,lang," +
			"terms,privacy,marketing_email,marketing_sms,night_sms,status,source,created_at\r\n" +
			",pending@example.com,나,,,,,,ko,,,,,,pending,import,"
		if !strings.HasPrefix(out, want) || strings.Count(out, "\r\n") != 2 {
			t.Errorf("pending export:\n%q\nwant prefix\n%q", out, want)
		}
		err := s.Export(context.Background(), &bytes.Buffer{}, member.ExportFilter{Status: "deleted"})
		if fanmail.ErrorCode(err) != fanmail.EINVALID {
			t.Errorf("unknown status: got %v, want EINVALID", err)
		}
	})
}
