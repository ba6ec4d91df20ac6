package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// FuzzSegmentRules reads arbitrary bytes as a segment's stored rules JSON:
// rules that Validate accepts must survive a round trip through JSON and be
// counted by the database (SQLite here) without a SQL error; rules it
// refuses are EINVALID and never reach the database.
func FuzzSegmentRules(f *testing.F) {
	for _, seed := range []string{
		`{"op":"and"}`,
		`{"op":"and","conditions":[{"field":"gender","op":"in","values":["female"]}],` +
			`"groups":[{"op":"or","conditions":[{"field":"brand","op":"in","ids":[1,2]},{"field":"opened","op":"within_days","days":90}]}]}`,
		`{"op":"or","conditions":[{"field":"age_band","op":"not_in","values":["21-23","40+"]},{"field":"region","op":"in","values":["seoul"]}]}`,
		`{"op":"and","conditions":[{"field":"answer","op":"all","question":3,"ids":[7,8]},{"field":"consent","op":"granted","values":["marketing_email"]}]}`,
		`{"op":"and","conditions":[{"field":"registered","op":"before","date":"2026-01-01"},{"field":"order_total","op":"at_least","number":100000,"days":30}]}`,
		`{"op":"and","conditions":[{"field":"bought_brand","op":"not_in","ids":[1],"days":0},{"field":"last_order","op":"not_within_days","days":365}]}`,
		`{"op":"or","conditions":[{"field":"postal_code","op":"in","values":["045"]},{"field":"shop","op":"in","ids":[1]},{"field":"status","op":"in","values":["active"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	db := storetest.OpenSQLite(f)
	for _, addr := range []string{"minji@example.com", "jihoon@example.com"} {
		storetest.MustCreateMember(f, db, addr)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var rules fanmail.SegmentRules
		if json.Unmarshal(data, &rules) != nil {
			return
		}
		if err := rules.Validate(); err != nil {
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Fatalf("Validate: %v, want EINVALID", err)
			}
			if _, err := db.CountSegment(context.Background(), rules, now); fanmail.ErrorCode(err) != fanmail.EINVALID {
				t.Fatalf("CountSegment of invalid rules: %v, want EINVALID", err)
			}
			return
		}
		again, err := json.Marshal(rules)
		if err != nil {
			t.Fatal(err)
		}
		var back fanmail.SegmentRules
		if err := json.Unmarshal(again, &back); err != nil || back.Validate() != nil {
			t.Fatalf("valid rules %s do not survive JSON: %v", again, err)
		}
		if _, err := db.CountSegment(context.Background(), rules, now); err != nil {
			t.Fatalf("CountSegment(%s): %v", again, err)
		}
	})
}
