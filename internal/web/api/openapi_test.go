package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store/storetest"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                 `json:"openapi"`
	Security   []map[string][]string                  `json:"security"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                 `json:"operationId"`
	Permission  *string                `json:"x-fanmail-permission"`
	Security    *[]map[string][]string `json:"security"`
	Responses   map[string]struct {
		Ref string `json:"$ref"`
	} `json:"responses"`
}

type openAPISchema struct {
	Ref        string                   `json:"$ref"`
	Properties map[string]openAPISchema `json:"properties"`
	AllOf      []openAPISchema          `json:"allOf"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPI_DescribesEveryRoute walks the route table and the document and
// fails when a route is missing from either, or when they disagree on the
// permission a route needs.
func TestOpenAPI_DescribesEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearerAuth scheme = %+v", s)
	}
	if diff := cmp.Diff([]map[string][]string{{"bearerAuth": {}}}, doc.Security); diff != "" {
		t.Errorf("global security (-want +got):\n%s", diff)
	}

	var documented []string
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented = append(documented, key)
			ops[key] = op
		}
	}
	h := New(Deps{})
	var routed []string
	for _, rt := range h.routes() {
		key := rt.Method + " " + rt.Path
		routed = append(routed, key)
		op, ok := ops[key]
		if !ok {
			continue
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		}
		if rt.Public {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public but the document requires a token", key)
			}
			continue
		}
		if op.Security != nil {
			t.Errorf("%s needs a token but the document overrides security", key)
		}
		if op.Permission == nil || *op.Permission != rt.Perm {
			t.Errorf("%s: x-fanmail-permission %v, route needs %q", key, op.Permission, rt.Perm)
		}
		for _, status := range []string{"401", "500"} {
			if _, ok := op.Responses[status]; !ok {
				t.Errorf("%s: response %s not documented", key, status)
			}
		}
		if _, ok := op.Responses["403"]; ok != (rt.Perm != "") {
			t.Errorf("%s: 403 documented %v, route checks a permission %v", key, ok, rt.Perm != "")
		}
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if diff := cmp.Diff(routed, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
}

// TestOpenAPI_RoutesAreServed sends every documented operation to the real
// router without a token: each must reach its handler's token check (401),
// not the router's 404 or 405; the document itself is public.
func TestOpenAPI_RoutesAreServed(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths {
		for method := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			rq := request{method: strings.ToUpper(method), path: strings.ReplaceAll(path, "{id}", "1")}
			if rq.method == "POST" || rq.method == "PUT" || rq.method == "PATCH" {
				rq.body = `{}`
			}
			rec := e.do(t, rq)
			want := http.StatusUnauthorized
			if path == "/api/openapi.json" {
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Errorf("%s %s without a token: status %d, want %d; body %s", rq.method, rq.path, rec.Code, want, rec.Body)
			}
		}
	}
}

// TestOpenAPI_RefsResolve fails on a $ref that points nowhere.
func TestOpenAPI_RefsResolve(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if ref, ok := x.(string); ok && k == "$ref" {
					if resolvePointer(doc, ref) == nil {
						t.Errorf("$ref %q does not resolve", ref)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

func resolvePointer(doc any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	cur := doc
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		cur = m[part]
	}
	return cur
}

// TestOpenAPI_SchemasMatchJSON compares each schema's properties with the
// JSON field names of the Go type the API reads or writes, so the document
// cannot drift from the code.
func TestOpenAPI_SchemasMatchJSON(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"Member": memberJSON{}, "MemberRecord": memberRecordJSON{}, "MemberPage": memberPage{},
		"Registration": registration{}, "MemberPatch": memberPatch{},
		"Answer": answerJSON{}, "AnswerInput": answerInputJSON{},
		"ConsentDecision": consentInput{}, "Consent": consentJSON{}, "Consents": consentsJSON{},
		"Preferences": preferencesJSON{},
		"BrandGroup":  groupJSON{}, "BrandGroupInput": groupInput{}, "BrandGroupPatch": groupPatch{}, "BrandGroupList": list[groupJSON]{},
		"Brand": brandJSON{}, "BrandInput": brandInput{}, "BrandPatch": brandPatch{}, "BrandList": list[brandJSON]{},
		"Product": productJSON{}, "ProductImage": imageJSON{}, "ProductInput": productInput{}, "ProductPatch": productPatch{},
		"ProductList": list[productJSON]{},
		"Survey":      surveyJSON{}, "SurveyList": list[surveyJSON]{}, "SurveyDetail": surveyDetailJSON{},
		"Question": questionJSON{}, "QuestionOption": optionJSON{},
		"SurveyResults": resultsJSON{}, "QuestionResult": questionResultJSON{}, "ResultRow": resultRowJSON{}, "ResultCell": cellJSON{},
		"SurveyResponse": responseJSON{}, "TypedAnswer": typedAnswerJSON{}, "SurveyResponseList": list[responseJSON]{},
		"Balance": balanceJSON{}, "BalanceList": list[balanceJSON]{}, "LedgerEntry": entryJSON{}, "LedgerPage": entryPage{},
		"Certificate": certificateJSON{}, "CertificateList": list[certificateJSON]{},
		"Membership": membershipJSON{}, "MembershipList": list[membershipJSON]{},
		"RedemptionInput": redemptionInput{}, "Redemption": redemptionJSON{},
		"Reward": rewardJSON{}, "RewardInput": rewardInput{}, "RewardPatch": rewardPatch{}, "RewardList": list[rewardJSON]{},
		"FanRule": fanRuleJSON{}, "FanRuleInput": fanRuleInput{},
		"Campaign": campaignJSON{}, "AdSignal": adSignalJSON{},
		"Compliance": complianceJSON{}, "ConsentEvent": consentEventJSON{}, "ReconfirmationDue": reconfirmDueJSON{},
		"JobRun": jobRunJSON{}, "RetentionRule": retentionJSON{},
		"MailboxSummary": mailboxSummaryJSON{}, "MailboxPage": mailboxListJSON{}, "MailboxMessage": mailboxMessageJSON{},
		"ExportRequest": exportRequest{}, "AccessEntry": accessEntryJSON{}, "AccessPage": accessPage{},
		"ErasureInput": erasureInput{}, "Erasure": erasureJSON{}, "MemberData": member.DataCopy{},
		"Error": errorBody{},
	}
	for name, schema := range doc.Components.Schemas {
		v, ok := types[name]
		if !ok {
			t.Errorf("schema %s has no Go type in this test", name)
			continue
		}
		got := schemaProperties(doc, schema)
		want := jsonFields(reflect.TypeOf(v))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schema %s properties (-Go +document):\n%s", name, diff)
		}
	}
	for name := range types {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("no schema %s in the document", name)
		}
	}
	detail := doc.Components.Schemas["Error"].Properties["error"]
	if diff := cmp.Diff(jsonFields(reflect.TypeOf(errorDetail{})), schemaProperties(doc, detail)); diff != "" {
		t.Errorf("Error.error properties (-Go +document):\n%s", diff)
	}
}

// schemaProperties returns the sorted property names of s, following $ref
// and allOf.
func schemaProperties(doc openAPIDoc, s openAPISchema) []string {
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		return schemaProperties(doc, doc.Components.Schemas[name])
	}
	var names []string
	for n := range s.Properties {
		names = append(names, n)
	}
	for _, part := range s.AllOf {
		names = append(names, schemaProperties(doc, part)...)
	}
	slices.Sort(names)
	return names
}

// jsonFields returns the sorted JSON names of t's fields, with embedded
// structs flattened as encoding/json does.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
