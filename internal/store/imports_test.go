package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

func importRow(line int64, email, code, name string, consents ...fanmail.ConsentDecision) store.ImportRow {
	return store.ImportRow{Line: line, Consents: consents, Member: fanmail.Member{
		Email: email, Code: code, Name: name, Lang: "ko", Status: fanmail.MemberPending, Phone: "010-1234-5678"}}
}

func TestDB_ImportBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := db.CreateImport(ctx, store.Import{Filename: "first.csv", MemberStatus: fanmail.MemberPending})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportBatch(ctx, store.ImportBatch{ImportID: first.ID, Rows: []store.ImportRow{
			importRow(2, "before@example.com", "before1", "이전"),
		}}); err != nil {
			t.Fatal(err)
		}

		imp, err := db.CreateImport(ctx, store.Import{Filename: "회원.csv", MemberStatus: fanmail.MemberPending,
			DefaultConsents: []string{"terms", "privacy"}, BytesTotal: 1000, CreatedBy: 0})
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != store.ImportRunning || imp.StartedAt.IsZero() || imp.UpdatedAt != imp.StartedAt {
			t.Errorf("created import %+v", imp)
		}
		yes := fanmail.ConsentDecision{Purpose: fanmail.PurposeMarketingEmail, Granted: true}
		no := fanmail.ConsentDecision{Purpose: fanmail.PurposeMarketingSMS, Granted: false}
		c, err := db.ImportBatch(ctx, store.ImportBatch{ImportID: imp.ID, Encoding: "cp949", BytesDone: 400,
			Errors: []store.ImportError{{Line: 3, Field: "email", Reason: "E-mail address is not valid."}},
			Rows: []store.ImportRow{
				importRow(2, "Minji@Example.com", "minji", "김민지", yes, no),
				importRow(4, "BEFORE@example.com", "", "중복"),         // stored by the first import
				importRow(5, "minji@example.com", "", "또민지"),         // line 2 again
				importRow(6, "seojun@example.com", "before1", "박서준"), // member id taken
				importRow(7, "hana@example.com", "", "하나"),
			}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(store.ImportCounts{OK: 2, Bad: 3, Dup: 1}, c); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		// The same address in a later batch of the same import is bad too.
		c, err = db.ImportBatch(ctx, store.ImportBatch{ImportID: imp.ID, Encoding: "cp949", BytesDone: 1000,
			Rows: []store.ImportRow{importRow(8, "hana@example.com", "", "하나")}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(store.ImportCounts{Bad: 1}, c); diff != "" {
			t.Errorf("second batch counts (-want +got):\n%s", diff)
		}

		errs, err := db.ImportErrors(ctx, imp.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.ImportError{
			{Line: 3, Field: "email", Reason: "E-mail address is not valid."},
			{Line: 5, Field: "email", Reason: store.ReasonDuplicateInFile},
			{Line: 6, Field: "code", Reason: store.ReasonCodeTaken},
			{Line: 8, Field: "email", Reason: store.ReasonDuplicateInFile},
		}
		if diff := cmp.Diff(want, errs); diff != "" {
			t.Errorf("import errors (-want +got):\n%s", diff)
		}
		if page, _ := db.ImportErrors(ctx, imp.ID, 5, 1); len(page) != 1 || page[0].Line != 6 {
			t.Errorf("errors after line 5, limit 1: %+v", page)
		}

		m, err := db.MemberByEmail(ctx, "minji@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != "Minji@Example.com" || m.Code != "minji" || m.Source != fanmail.SourceImport || m.Status != fanmail.MemberPending {
			t.Errorf("member %+v", m)
		}
		hist, _ := db.ConsentHistory(ctx, m.ID)
		if len(hist) != 2 || hist[0].Source != fanmail.SourceImport || hist[0].Channel != "email" || hist[1].Channel != "sms" || hist[1].Granted {
			t.Errorf("consent history %+v", hist)
		}
		if before, _ := db.MemberByEmail(ctx, "before@example.com"); before.Name != "이전" {
			t.Errorf("duplicate changed the stored member: %+v", before)
		}

		if err := db.SetImportColumns(ctx, imp.ID, "cp949", "이메일=email;비고="); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishImport(ctx, imp.ID, store.ImportDone, "abc123", "cp949", "", 1000); err != nil {
			t.Fatal(err)
		}
		got, err := db.ImportByID(ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantImp := store.Import{ID: imp.ID, Filename: "회원.csv", SHA256: "abc123", Encoding: "cp949", Status: store.ImportDone,
			MemberStatus: "pending", DefaultConsents: []string{"terms", "privacy"}, ColumnMap: "이메일=email;비고=",
			RowsTotal: 7, RowsOK: 2, RowsBad: 4, RowsDup: 1, BytesDone: 1000, BytesTotal: 1000,
			StartedAt: got.StartedAt, UpdatedAt: got.UpdatedAt, FinishedAt: got.FinishedAt}
		if diff := cmp.Diff(wantImp, got); diff != "" || got.FinishedAt == nil {
			t.Errorf("import (-want +got):\n%s", diff)
		}
		list, err := db.Imports(ctx, 0, 10)
		if err != nil || len(list) != 2 || list[0].ID != imp.ID {
			t.Errorf("imports newest first: %+v, %v", list, err)
		}
		if older, _ := db.Imports(ctx, imp.ID, 10); len(older) != 1 || older[0].ID != first.ID {
			t.Errorf("imports before %d: %+v", imp.ID, older)
		}
		if _, err := db.ImportByID(ctx, 9999); fanmail.ErrorCode(err) != fanmail.ENOTFOUND {
			t.Errorf("missing import: %v", err)
		}
	})
}

func TestDB_MembersForExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		imp, err := db.CreateImport(ctx, store.Import{Filename: "a.csv"})
		if err != nil {
			t.Fatal(err)
		}
		rows := []store.ImportRow{
			importRow(2, "a@example.com", "", "가", fanmail.ConsentDecision{Purpose: "terms", Granted: true}),
			importRow(3, "b@example.com", "", "나"),
			importRow(4, "c@example.com", "", "다", fanmail.ConsentDecision{Purpose: "marketing_sms", Granted: false}),
		}
		rows[1].Member.Status = fanmail.MemberActive
		if _, err := db.ImportBatch(ctx, store.ImportBatch{ImportID: imp.ID, Rows: rows}); err != nil {
			t.Fatal(err)
		}
		var names []string
		var consents []map[string]bool
		var after int64
		for {
			page, err := db.MembersForExport(ctx, "", after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				names = append(names, m.Name)
				consents = append(consents, m.Consents)
				after = m.ID
			}
			if len(page) < 2 {
				break
			}
		}
		if diff := cmp.Diff([]string{"가", "나", "다"}, names); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]map[string]bool{{"terms": true}, {}, {"marketing_sms": false}}, consents); diff != "" {
			t.Errorf("consents (-want +got):\n%s", diff)
		}
		active, err := db.MembersForExport(ctx, fanmail.MemberActive, 0, 10)
		if err != nil || len(active) != 1 || active[0].Name != "나" {
			t.Errorf("active members: %+v, %v", active, err)
		}
	})
}
