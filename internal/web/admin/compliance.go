package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
	"github.com/fanmail/fanmail/internal/config"
)

// complianceRoutes registers the compliance page. It lists members' consent
// decisions and the jobs' failures, which are the business of whoever
// answers for the company's compliance, not of shop or service staff who
// may look members up: hence staff.manage (admins), not members.view.
func (h *Handler) complianceRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin/compliance", h.page(fanmail.PermManageStaff, h.compliancePage))
	mux.Handle("POST /admin/compliance/run/{job}", h.page(fanmail.PermManageStaff, h.runComplianceJob))
}

// compliancePage is the status with the words to show it.
type compliancePage struct {
	compliance.Status
	OverdueRows []consentRow
	DueRows     []consentRow
	Jobs        []jobRow
	Retention   []retentionRow
}

// consentRow is an overdue decision (Result, At) or a re-confirmation due
// (At the date of consent, Due).
type consentRow struct {
	MemberID      int64
	Label, Result string
	At, Due       time.Time
}

// jobRow is one job's last run, or a job that never ran.
type jobRow struct {
	Kind, Name, Short string
	Ran               bool
	Started           time.Time
	Finished          *time.Time
	Counts            map[string]int64
	Error             string
}

// complianceJobNames are the English names of the jobs and the short names
// their run buttons post.
var complianceJobNames = map[string][2]string{
	compliance.JobResultNotices: {"Consent result notices (art. 50(7))", "notices"},
	compliance.JobReconfirm:     {"Two-yearly re-confirmation (art. 50(8))", "reconfirm"},
	compliance.JobRetention:     {"Retention", "retention"},
}

func (h *Handler) compliancePage(w http.ResponseWriter, r *http.Request) error {
	if h.Compliance == nil {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Compliance is not available on this server.")
	}
	st, err := h.Compliance.Status(r.Context())
	if err != nil {
		return err
	}
	p := compliancePage{Status: st}
	for _, e := range st.Overdue {
		p.OverdueRows = append(p.OverdueRows, consentRow{MemberID: e.MemberID, Label: fanmail.PurposeLabel(e.Purpose), Result: e.Result(), At: e.CreatedAt})
	}
	for _, d := range st.Due {
		p.DueRows = append(p.DueRows, consentRow{MemberID: d.MemberID, Label: fanmail.PurposeLabel(d.Purpose), At: d.GrantedAt, Due: d.DueAt})
	}
	for _, kind := range compliance.Jobs {
		row := jobRow{Kind: kind, Name: complianceJobNames[kind][0], Short: complianceJobNames[kind][1]}
		for _, run := range st.Runs {
			if run.Job == kind {
				row.Ran, row.Started, row.Finished, row.Counts, row.Error = true, run.StartedAt, run.FinishedAt, run.Counts, run.Error
			}
		}
		p.Jobs = append(p.Jobs, row)
	}
	for _, rule := range st.Retention {
		row := retentionRow{RetentionRule: rule}
		if rule.Period > 0 {
			row.Days = strconv.FormatInt(int64(rule.Period/config.Day), 10)
		}
		p.Retention = append(p.Retention, row)
	}
	return h.render(w, r, http.StatusOK, "compliance", trTitle(r, "Compliance"), p)
}

// runComplianceJob runs one job now; the page then shows its run.
func (h *Handler) runComplianceJob(w http.ResponseWriter, r *http.Request) error {
	if h.Compliance == nil {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Compliance is not available on this server.")
	}
	flash := "The job ran."
	if _, err := h.Compliance.Run(r.Context(), r.PathValue("job")); fanmail.ErrorCode(err) == fanmail.ENOTFOUND {
		return err
	} else if err != nil {
		// The run and its error are recorded: the page shows them.
		h.Logger.Warn("compliance job failed", "job", r.PathValue("job"), "err", err)
		flash = "The job failed; its error is shown below."
	}
	http.Redirect(w, r, "/admin/compliance?flash="+url.QueryEscape(flash), http.StatusSeeOther)
	return nil
}

// retentionRow is one data type's retention: Days is "" when it is kept.
type retentionRow struct {
	config.RetentionRule
	Days string
}
