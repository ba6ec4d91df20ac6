package api

import (
	"net/http"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/web"
)

// route is one API endpoint. The table is what Routes registers and what the
// OpenAPI test compares with openapi.json.
type route struct {
	Method string
	Path   string // ServeMux pattern path; {name} wildcards read as in OpenAPI
	Perm   string // permission the token's role needs; "" = any live token
	Public bool   // no token needed
	// Access is the access-log action of a route serving members' data
	// (fanmail.AccessView, …): each successful call is recorded.
	Access string
	Fn     web.HandlerFunc
}

// routes lists every endpoint of the API.
func (h *Handler) routes() []route {
	return []route{
		{Method: "GET", Path: "/api/openapi.json", Public: true, Fn: h.openAPI},

		{Method: "GET", Path: "/api/v1/members", Perm: fanmail.PermViewMembers, Access: fanmail.AccessSearch, Fn: h.listMembers},
		{Method: "POST", Path: "/api/v1/members", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.createMember},
		{Method: "GET", Path: "/api/v1/members/{id}", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.getMember},
		{Method: "PATCH", Path: "/api/v1/members/{id}", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.updateMember},
		{Method: "DELETE", Path: "/api/v1/members/{id}", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.deactivateMember},
		{Method: "GET", Path: "/api/v1/members/{id}/consents", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listConsents},
		{Method: "POST", Path: "/api/v1/members/{id}/consents", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.addConsent},
		{Method: "GET", Path: "/api/v1/members/{id}/brands", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.getPreferences},
		{Method: "PUT", Path: "/api/v1/members/{id}/brands", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.setPreferences},
		{Method: "GET", Path: "/api/v1/members/{id}/orders", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listMemberOrders},
		{Method: "GET", Path: "/api/v1/members/{id}/survey-responses", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listMemberResponses},
		{Method: "POST", Path: "/api/v1/members/{id}/erasure", Perm: fanmail.PermEraseMembers, Access: fanmail.AccessErase, Fn: h.eraseMember},
		{Method: "GET", Path: "/api/v1/members/{id}/export", Perm: fanmail.PermViewMembers, Access: fanmail.AccessExport, Fn: h.exportMember},

		{Method: "POST", Path: "/api/v1/members/export", Perm: fanmail.PermImportMembers, Fn: h.exportMembers},
		{Method: "GET", Path: "/api/v1/access-log", Perm: fanmail.PermReadAccessLog, Fn: h.listAccessLog},

		{Method: "POST", Path: "/api/v1/orders", Perm: fanmail.PermEditMembers, Access: fanmail.AccessEdit, Fn: h.createOrder},
		{Method: "GET", Path: "/api/v1/orders/{id}", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.getOrder},

		{Method: "GET", Path: "/api/v1/brand-groups", Fn: h.listGroups},
		{Method: "POST", Path: "/api/v1/brand-groups", Perm: fanmail.PermManageCatalog, Fn: h.createGroup},
		{Method: "GET", Path: "/api/v1/brand-groups/{id}", Fn: h.getGroup},
		{Method: "PATCH", Path: "/api/v1/brand-groups/{id}", Perm: fanmail.PermManageCatalog, Fn: h.updateGroup},
		{Method: "GET", Path: "/api/v1/brands", Fn: h.listBrands},
		{Method: "POST", Path: "/api/v1/brands", Perm: fanmail.PermManageCatalog, Fn: h.createBrand},
		{Method: "GET", Path: "/api/v1/brands/{id}", Fn: h.getBrand},
		{Method: "PATCH", Path: "/api/v1/brands/{id}", Perm: fanmail.PermManageCatalog, Fn: h.updateBrand},
		{Method: "GET", Path: "/api/v1/products", Fn: h.listProducts},
		{Method: "POST", Path: "/api/v1/products", Perm: fanmail.PermManageCatalog, Fn: h.createProduct},
		{Method: "GET", Path: "/api/v1/products/{id}", Fn: h.getProduct},

		{Method: "GET", Path: "/api/v1/surveys", Perm: fanmail.PermManageSurveys, Fn: h.listSurveys},
		{Method: "GET", Path: "/api/v1/surveys/{id}", Perm: fanmail.PermManageSurveys, Fn: h.getSurvey},
		{Method: "GET", Path: "/api/v1/surveys/{id}/results", Perm: fanmail.PermManageSurveys, Fn: h.getSurveyResults},
		{Method: "PATCH", Path: "/api/v1/products/{id}", Perm: fanmail.PermManageCatalog, Fn: h.updateProduct},

		{Method: "GET", Path: "/api/v1/members/{id}/balances", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listBalances},
		{Method: "GET", Path: "/api/v1/members/{id}/chips", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listChips},
		{Method: "GET", Path: "/api/v1/members/{id}/ledger", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listLedger},
		{Method: "GET", Path: "/api/v1/members/{id}/certificates", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listCertificates},
		{Method: "GET", Path: "/api/v1/members/{id}/memberships", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.listMemberships},
		{Method: "POST", Path: "/api/v1/redemptions", Perm: fanmail.PermRedeem, Access: fanmail.AccessEdit, Fn: h.createRedemption},
		{Method: "GET", Path: "/api/v1/redemptions/{id}", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.getRedemption},
		{Method: "GET", Path: "/api/v1/rewards", Fn: h.listRewards},
		{Method: "POST", Path: "/api/v1/rewards", Perm: fanmail.PermManageLoyalty, Fn: h.createReward},
		{Method: "GET", Path: "/api/v1/rewards/{id}", Fn: h.getReward},
		{Method: "PATCH", Path: "/api/v1/rewards/{id}", Perm: fanmail.PermManageLoyalty, Fn: h.updateReward},
		{Method: "GET", Path: "/api/v1/brands/{id}/fan-rule", Perm: fanmail.PermViewMembers, Fn: h.getFanRule},
		{Method: "PUT", Path: "/api/v1/brands/{id}/fan-rule", Perm: fanmail.PermManageLoyalty, Fn: h.setFanRule},

		{Method: "POST", Path: "/api/v1/campaigns", Perm: fanmail.PermManageCampaigns, Fn: h.createCampaign},
		{Method: "GET", Path: "/api/v1/campaigns/{id}", Perm: fanmail.PermManageCampaigns, Fn: h.getCampaign},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/schedule", Perm: fanmail.PermManageCampaigns, Fn: h.scheduleCampaign},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/ad-override", Perm: fanmail.PermOverrideAdRule, Fn: h.overrideAdRule},
		{Method: "GET", Path: "/api/v1/compliance", Perm: fanmail.PermManageStaff, Fn: h.getCompliance},
		{Method: "GET", Path: "/api/v1/mailbox", Perm: fanmail.PermViewMembers, Access: fanmail.AccessSearch, Fn: h.listMailbox},
		{Method: "GET", Path: "/api/v1/mailbox/{id}", Perm: fanmail.PermViewMembers, Access: fanmail.AccessView, Fn: h.getMailboxMessage},
	}
}

// Routes registers the API on mux under /api/, behind the input checks of
// web.CheckInput (query parameters; readJSON checks bodies). It is not behind
// cross-origin protection: every call but the OpenAPI document carries a
// bearer token, which browsers never send on their own.
func (h *Handler) Routes(mux *http.ServeMux) {
	inner := http.NewServeMux()
	for _, rt := range h.routes() {
		handler := h.call(rt.Perm, h.audited(rt.Access, rt.Path, rt.Fn))
		if rt.Public {
			handler = h.public(rt.Fn)
		}
		inner.Handle(rt.Method+" "+rt.Path, handler)
	}
	mux.Handle("/api/", web.CheckInput(h.writeError, web.Limits{Body: MaxBodyBytes}, h.fallback(inner)))
}

// fallback serves inner's routes and answers unknown paths and methods with
// the API's JSON errors instead of ServeMux's plain text.
func (h *Handler) fallback(inner *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler, pattern := inner.Handler(r)
		if pattern != "" {
			inner.ServeHTTP(w, r) // sets r's path values, which Handler does not
			return
		}
		// ServeMux answers a known path with the wrong method 405 and an
		// Allow header; find out which without letting it write.
		probe := &statusProbe{header: http.Header{}}
		handler.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header()["Allow"] = probe.header["Allow"]
			h.writeError(w, r, http.StatusMethodNotAllowed, errMethod)
			return
		}
		h.writeError(w, r, http.StatusNotFound, errNoEndpoint)
	})
}

var (
	errNoEndpoint = fanmail.Errorf(fanmail.ENOTFOUND, "There is no such API endpoint.")
	errMethod     = fanmail.Errorf(fanmail.EINVALID, "This endpoint does not accept this HTTP method.")
)

// statusProbe records the status and headers a handler would write.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
