package member_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/korean"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func newService(t testing.TB, db *store.DB) *member.Service {
	return member.New(db, nil, member.Options{}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
}

func importString(t *testing.T, s *member.Service, body string, req member.ImportRequest) member.ImportResult {
	t.Helper()
	req.Body = strings.NewReader(body)
	req.Size = int64(len(body))
	if req.Filename == "" {
		req.Filename = "members.csv"
	}
	res, err := s.Import(context.Background(), req, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

func countMembers(t testing.TB, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func allImportErrors(t testing.TB, s *member.Service, id int64) map[int64]string {
	t.Helper()
	got := map[int64]string{}
	var after int64
	for {
		errs, err := s.ImportErrors(context.Background(), id, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			got[e.Line] = e.Reason
			after = e.Line
		}
		if len(errs) < 500 {
			return got
		}
	}
}

type counts struct{ Rows, OK, Bad, Dup int64 }

func countsOf(p member.ImportProgress) counts { return counts{p.Rows, p.OK, p.Bad, p.Dup} }

// The import test: a generated 100k-row file with bad rows of every
// kind, on both engines; then the same file again.
func TestService_Import_100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k-row import skipped in -short mode")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		const n = 100_000
		var buf bytes.Buffer
		gen, err := writeMembersCSV(&buf, 0, n, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		// 100 of its addresses are stored before: duplicates, not changed.
		var pre bytes.Buffer
		writeMembersCSV(&pre, 0, 100, db.Now())
		importString(t, s, pre.String(), member.ImportRequest{})
		file := buf.Bytes()

		var calls int
		var last member.ImportProgress
		start := time.Now()
		res, err := s.Import(ctx, member.ImportRequest{Filename: "fans.csv", Body: bytes.NewReader(file), Size: int64(len(file))},
			func(p member.ImportProgress) { calls++; last = p })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d rows in %v (%.0f rows/s)", db.Engine(), res.Rows, time.Since(start), float64(res.Rows)/time.Since(start).Seconds())
		want := counts{Rows: n, OK: gen.Good - 100, Bad: int64(len(gen.BadLine)), Dup: 100}
		if diff := cmp.Diff(want, countsOf(res.ImportProgress)); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		if calls < n/member.DefaultImportBatch || countsOf(last) != countsOf(res.ImportProgress) || last.BytesDone != int64(len(file)) {
			t.Errorf("progress called %d times, last %+v", calls, last)
		}
		if diff := cmp.Diff(gen.BadLine, allImportErrors(t, s, res.ImportID)); diff != "" {
			t.Errorf("bad lines (-want +got):\n%s", diff)
		}
		if got := countMembers(t, db); got != gen.Good {
			t.Errorf("%d members stored, want %d", got, gen.Good)
		}
		imp, err := s.ImportByID(ctx, res.ImportID)
		if err != nil {
			t.Fatal(err)
		}
		stored := counts{imp.RowsTotal, imp.RowsOK, imp.RowsBad, imp.RowsDup}
		if imp.Status != store.ImportDone || stored != want || imp.BytesDone != int64(len(file)) || imp.BytesTotal != int64(len(file)) ||
			imp.Encoding != member.EncodingUTF8 || len(imp.SHA256) != 64 || imp.FinishedAt == nil {
			t.Errorf("import row = %+v", imp)
		}

		// The same file again: nothing new. The address repeated on line
		// 202 of each thousand is now simply stored already.
		res2, err := s.Import(ctx, member.ImportRequest{Filename: "fans.csv", Body: bytes.NewReader(file)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		repeats := int64(n / 1000)
		want2 := counts{Rows: n, OK: 0, Bad: int64(len(gen.BadLine)) - repeats, Dup: gen.Good + repeats}
		if diff := cmp.Diff(want2, countsOf(res2.ImportProgress)); diff != "" {
			t.Errorf("re-import counts (-want +got):\n%s", diff)
		}
		if got := countMembers(t, db); got != gen.Good {
			t.Errorf("after re-import %d members stored, want %d", got, gen.Good)
		}
		if res2.SHA256 != res.SHA256 {
			t.Errorf("hash changed: %s, %s", res.SHA256, res2.SHA256)
		}
	})
}

func TestService_Import_FieldsAndConsents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		body := "이메일,이름,휴대폰,출생연도,성별,우편번호,주소,회원아이디,언어,마케팅수신동의,문자수신동의,비고\n" +
			"Minji.Kim@Example.com,김민지,010-1234-5678,1992,여,06236,\"서울특별시 강남구 테헤란로 123, 101호\",minji92,ko,Y,N,VIP\n" +
			"jun@example.com,Jun Park,+82 10 9876 5432,1988-03-04,M,,,,en,거부,,\n" +
			"'=cmd@example.com,'=SUM(A1),,,,,,,,,,\n"
		res := importString(t, s, body, member.ImportRequest{Status: fanmail.MemberActive,
			DefaultConsents: []string{fanmail.PurposeTerms, fanmail.PurposePrivacy, fanmail.PurposeMarketingEmail}})
		if diff := cmp.Diff(counts{3, 3, 0, 0}, countsOf(res.ImportProgress)); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		// The apostrophe Export puts before formula-like values goes again.
		f, err := db.MemberByEmail(ctx, "=cmd@example.com")
		if err != nil || f.Name != "=SUM(A1)" {
			t.Errorf("formula-like member %+v, %v", f, err)
		}
		if res.Columns[11] != (member.Column{Header: "비고"}) {
			t.Errorf("columns = %+v, want 비고 ignored", res.Columns)
		}

		m, err := db.MemberByEmail(ctx, "minji.kim@example.com")
		if err != nil {
			t.Fatal(err)
		}
		want := fanmail.Member{ID: m.ID, Code: "minji92", Email: "Minji.Kim@Example.com", Name: "김민지", Phone: "010-1234-5678",
			BirthYear: 1992, Gender: fanmail.GenderFemale, PostalCode: "06236", Address: "서울특별시 강남구 테헤란로 123, 101호",
			Lang: "ko", Status: fanmail.MemberActive, Source: fanmail.SourceImport, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("member (-want +got):\n%s", diff)
		}
		cur, err := db.CurrentConsents(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The file's N for SMS is recorded; the defaults fill the rest.
		wantCur := map[string]bool{"terms": true, "privacy": true, "marketing_email": true, "marketing_sms": false}
		if diff := cmp.Diff(wantCur, cur); diff != "" {
			t.Errorf("current consents (-want +got):\n%s", diff)
		}
		hist, err := db.ConsentHistory(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 4 {
			t.Fatalf("%d consent records, want 4", len(hist))
		}
		for _, c := range hist {
			if c.Source != fanmail.SourceImport || c.Version != fanmail.ConsentWordingVersion || c.Channel != fanmail.ChannelOf(c.Purpose) || c.IP != "" {
				t.Errorf("consent record %+v: want source import, version %s", c, fanmail.ConsentWordingVersion)
			}
		}

		j, err := db.MemberByEmail(ctx, "jun@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if j.BirthYear != 1988 || j.Gender != fanmail.GenderMale || j.Lang != "en" || j.Code != "" || j.Status != fanmail.MemberActive {
			t.Errorf("second member = %+v", j)
		}
		cur, _ = db.CurrentConsents(ctx, j.ID)
		if diff := cmp.Diff(map[string]bool{"terms": true, "privacy": true, "marketing_email": false}, cur); diff != "" {
			t.Errorf("second member's consents (-want +got):\n%s", diff)
		}
	})
}

func TestService_Import_BadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		year := db.Now().Year()
		body := "email,name,birth_year,gender,member_id,phone,lang,marketing_sms,night_sms\n" +
			"ok1@example.com,김하나,1990,여,hana90,01011112222,ko,Y,Y\n" + // 2 ok
			"ok2@example.com,김둘,,,,,,,\n" + // 3 ok: only the address is required
			"bad year@example.com,,,,,,,,\n" + // 4
			"ok3@example.com,,19x0,,,,,,\n" + // 5
			"ok4@example.com,,1850,,,,,,\n" + // 6
			"ok5@example.com,,2014,,,,,,\n" + // 7: under 14 this year or next
			"ok6@example.com,,,외계인,,,,,\n" + // 8
			"ok7@example.com,,,,hana!90,,,,\n" + // 9
			"ok8@example.com,,,,hana90,,,,\n" + // 10: member id taken on line 2
			"ok9@example.com,,,,,12,,,\n" + // 11
			"ok10@example.com,,,,,,klingon,,\n" + // 12
			"ok11@example.com,,,,,,,아마도,\n" + // 13
			"ok12@example.com,,,,,,,N,Y\n" + // 14: night-time SMS without SMS
			"OK1@example.com,,,,,,,,\n" + // 15: same address as line 2
			"ok13@example.com," + strings.Repeat("가", 101) + ",,,,,,,\n" // 16
		if year-2014-1 >= fanmail.MinimumAge {
			t.Skip("test data assumes a birth year of 2014 is under 14")
		}
		res := importString(t, s, body, member.ImportRequest{})
		want := map[int64]string{
			4:  "E-mail address is not valid.",
			5:  "Birth year is not valid.",
			6:  "Birth year is not valid.",
			7:  "Under 14: cannot be imported without a guardian's consent.",
			8:  "Gender is not valid.",
			9:  "Member id may contain only letters, digits, dots, dashes and underscores.",
			10: store.ReasonCodeTaken,
			11: "Phone number is not valid.",
			12: "Language is not valid.",
			13: "Consent must be Y or N.",
			14: "Night-time SMS needs SMS marketing consent.",
			15: store.ReasonDuplicateInFile,
			16: "The value is too long.",
		}
		if diff := cmp.Diff(want, allImportErrors(t, s, res.ImportID)); diff != "" {
			t.Errorf("bad lines (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(counts{15, 2, 13, 0}, countsOf(res.ImportProgress)); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		m, err := db.MemberByEmail(context.Background(), "ok2@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != fanmail.MemberPending || m.Lang != fanmail.LangKorean {
			t.Errorf("default status and language = %s, %s; want pending, ko", m.Status, m.Lang)
		}
	})
}

func TestService_Import_CP949(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// 똠 is only in CP949's extension of EUC-KR.
		text := "이메일,이름,주소,마케팅수신동의\r\nsora@example.com,김똠소라,\"부산광역시 해운대구, 센텀로 45\",동의\r\n"
		enc, err := korean.EUCKR.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		s := newService(t, db)
		res := importString(t, s, enc, member.ImportRequest{})
		if res.Encoding != member.EncodingCP949 || res.OK != 1 {
			t.Fatalf("result = %+v, want one row in cp949", res)
		}
		m, err := db.MemberByEmail(context.Background(), "sora@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != "김똠소라" || m.Address != "부산광역시 해운대구, 센텀로 45" {
			t.Errorf("decoded %q, %q", m.Name, m.Address)
		}
		imp, _ := s.ImportByID(context.Background(), res.ImportID)
		if imp.Encoding != member.EncodingCP949 || !strings.Contains(imp.ColumnMap, "이메일=email") {
			t.Errorf("import row encoding %q, columns %q", imp.Encoding, imp.ColumnMap)
		}
	})
}

func TestService_Import_BOM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		// Without BOM handling the first header would be "\ufeff이메일" and
		// the file would have no e-mail column.
		res := importString(t, s, "\ufeff이메일,이름\r\nbom@example.com,한지민\r\n", member.ImportRequest{})
		if res.Encoding != member.EncodingUTF8BOM || res.OK != 1 {
			t.Fatalf("result = %+v", res)
		}
		m, err := db.MemberByEmail(context.Background(), "bom@example.com")
		if err != nil || m.Name != "한지민" {
			t.Errorf("member %+v, %v", m, err)
		}
	})
}

func TestService_Import_FileErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		tests := []struct {
			name, body string
			req        member.ImportRequest
			want       string
		}{
			{"Empty", "", member.ImportRequest{}, "The file is empty."},
			{"NoEmailColumn", "이름,전화\n김민지,010\n", member.ImportRequest{}, "The file has no e-mail column."},
			{"NoHeader", "minji@example.com,김민지\n", member.ImportRequest{}, "The first line must name the columns."},
			{"BadStatus", "email\n", member.ImportRequest{Status: "deleted"}, "Imported members can be pending or active."},
			{"BadConsent", "email\n", member.ImportRequest{DefaultConsents: []string{"spam"}}, "Unknown consent purpose."},
			{"NightWithoutSMS", "email\n", member.ImportRequest{DefaultConsents: []string{fanmail.PurposeNightSMS}}, "Night-time SMS needs SMS marketing consent."},
			{"BadMapping", "email\n", member.ImportRequest{Mapping: map[string]string{"email": "shoe_size"}}, "Unknown field in the column mapping."},
		}
		for _, tt := range tests {
			tt.req.Body = strings.NewReader(tt.body)
			res, err := s.Import(ctx, tt.req, nil)
			if fanmail.ErrorCode(err) != fanmail.EINVALID || fanmail.ErrorMessage(err) != tt.want {
				t.Errorf("%s: got %v, want EINVALID %q", tt.name, err, tt.want)
				continue
			}
			if res.ImportID != 0 {
				imp, _ := s.ImportByID(ctx, res.ImportID)
				if imp.Status != store.ImportFailed || imp.Error != tt.want {
					t.Errorf("%s: import row status %q error %q", tt.name, imp.Status, imp.Error)
				}
			}
		}
	})
}

// failingReader returns the file up to n bytes, then an error, as a dropped
// upload or a crash would.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// A failure halfway leaves whole batches only; re-running the file completes it.
func TestService_Import_ResumeAfterFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		var b strings.Builder
		b.WriteString("email,name\n")
		for i := range 1000 {
			b.WriteString(genEmail(i) + ",이서연\n")
		}
		file := b.String()
		res, err := s.Import(ctx, member.ImportRequest{Body: &failingReader{r: strings.NewReader(file), n: len(file) / 2}, BatchSize: 100}, nil)
		if err == nil {
			t.Fatal("import of a broken upload succeeded")
		}
		stored := countMembers(t, db)
		if stored == 0 || stored%100 != 0 || stored >= 1000 || stored != res.OK {
			t.Fatalf("%d members stored (reported %d), want whole batches of 100", stored, res.OK)
		}
		imp, _ := s.ImportByID(ctx, res.ImportID)
		if imp.Status != store.ImportFailed || imp.Error == "" || imp.RowsOK != stored {
			t.Errorf("import row = %+v", imp)
		}
		res2 := importString(t, s, file, member.ImportRequest{BatchSize: 100})
		if diff := cmp.Diff(counts{1000, 1000 - stored, 0, stored}, countsOf(res2.ImportProgress)); diff != "" {
			t.Errorf("re-run counts (-want +got):\n%s", diff)
		}
		if got := countMembers(t, db); got != 1000 {
			t.Errorf("%d members after re-run, want 1000", got)
		}
	})
}

func TestService_Import_Cancelled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		var b bytes.Buffer
		writeMembersCSV(&b, 0, 500, db.Now())
		ctx, cancel := context.WithCancel(context.Background())
		_, err := s.Import(ctx, member.ImportRequest{Body: &b, BatchSize: 100}, func(p member.ImportProgress) {
			if p.Rows >= 200 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if got := countMembers(t, db); got != 200-1 { // one bad row in the first 200 (row 101)
			t.Errorf("%d members stored, want 199", got)
		}
	})
}

// Values that are not clean text are refused row by row, whatever the
// file's encoding: invalid bytes in a UTF-8 file, a NUL byte, and U+FFFD
// (what a decoder leaves for bytes it could not read, here written out).
func TestService_Import_BadText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		body := "\ufeffemail,name,address\n" +
			"ok1@example.com,김하나,서울\n" + // 2
			"bad1@example.com,김\xff\xfe둘,서울\n" + // 3: not UTF-8
			"bad2@example.com,김셋,서울\x00중구\n" + // 4: NUL
			"bad3@example.com,김\ufffd넷,서울\n" + // 5: U+FFFD
			"ok2@example.com,김다섯,부산\n" // 6
		res := importString(t, s, body, member.ImportRequest{})
		bad := "The row is not valid text in the file's encoding."
		if diff := cmp.Diff(map[int64]string{3: bad, 4: bad, 5: bad}, allImportErrors(t, s, res.ImportID)); diff != "" {
			t.Errorf("bad lines (-want +got):\n%s", diff)
		}
		if res.Encoding != member.EncodingUTF8BOM || res.OK != 2 || countMembers(t, db) != 2 {
			t.Errorf("result = %+v with %d members, want 2 rows in utf-8-bom", res, countMembers(t, db))
		}
	})
}

// A phone number needs 8 to 15 digits (ignoring punctuation and a leading
// +, +82 counting as 0).
func TestService_Import_PhoneLength(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db)
		body := "email,phone\n" +
			"p7@example.com,123-4567\n" + // 2: 7 digits
			"p8@example.com,1234-5678\n" + // 3: 8
			"p11@example.com,010-1234-5678\n" + // 4: 11
			"p82@example.com,+82 10-1234-5678\n" + // 5: 010… = 11
			"p15@example.com,+123456789012345\n" + // 6: 15
			"p16@example.com,1234567890123456\n" // 7: 16
		res := importString(t, s, body, member.ImportRequest{})
		bad := "Phone number is not valid."
		if diff := cmp.Diff(map[int64]string{2: bad, 7: bad}, allImportErrors(t, s, res.ImportID)); diff != "" {
			t.Errorf("bad lines (-want +got):\n%s", diff)
		}
		if res.OK != 4 {
			t.Errorf("%d rows imported, want 4", res.OK)
		}
	})
}
