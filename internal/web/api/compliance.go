package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/compliance"
)

// Compliance: the Network Act's consent notices overdue or due, the last
// run of each compliance job, and the retention periods.

type complianceJSON struct {
	At                 time.Time          `json:"at"`
	OverdueNotices     overdueNoticesJSON `json:"overdue_notices"`
	ReconfirmationsDue reconfirmsJSON     `json:"reconfirmations_due"`
	Jobs               []jobRunJSON       `json:"jobs"`
	Retention          []retentionJSON    `json:"retention"`
}

type overdueNoticesJSON struct {
	Count int                `json:"count"`
	Items []consentEventJSON `json:"items"`
}

type consentEventJSON struct {
	ConsentID int64     `json:"consent_id"`
	MemberID  int64     `json:"member_id"`
	Purpose   string    `json:"purpose"`
	Result    string    `json:"result"` // granted, declined or withdrawn
	DecidedAt time.Time `json:"decided_at"`
}

type reconfirmsJSON struct {
	Count int                `json:"count"`
	Items []reconfirmDueJSON `json:"items"`
}

type reconfirmDueJSON struct {
	ConsentID int64     `json:"consent_id"`
	MemberID  int64     `json:"member_id"`
	Purpose   string    `json:"purpose"`
	GrantedAt time.Time `json:"granted_at"`
	Period    int       `json:"period"`
	DueAt     time.Time `json:"due_at"`
}

type jobRunJSON struct {
	Job        string           `json:"job"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at"`
	Counts     map[string]int64 `json:"counts"`
	Error      string           `json:"error"`
}

type retentionJSON struct {
	Data       string `json:"data"`
	PeriodDays int64  `json:"period_days"` // 0: kept
	Action     string `json:"action"`
}

func (h *Handler) getCompliance(w http.ResponseWriter, r *http.Request) error {
	if h.Compliance == nil {
		return fanmail.Errorf(fanmail.EUNAVAILABLE, "Compliance is not available on this server.")
	}
	st, err := h.Compliance.Status(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newComplianceJSON(st))
}

func newComplianceJSON(st compliance.Status) complianceJSON {
	out := complianceJSON{At: st.At,
		OverdueNotices:     overdueNoticesJSON{Count: st.OverdueNotices, Items: []consentEventJSON{}},
		ReconfirmationsDue: reconfirmsJSON{Count: st.ReconfirmationsDue, Items: []reconfirmDueJSON{}},
		Jobs:               []jobRunJSON{}, Retention: []retentionJSON{}}
	for _, e := range st.Overdue {
		out.OverdueNotices.Items = append(out.OverdueNotices.Items, consentEventJSON{ConsentID: e.ID, MemberID: e.MemberID,
			Purpose: e.Purpose, Result: strings.ToLower(e.Result()), DecidedAt: e.CreatedAt})
	}
	for _, d := range st.Due {
		out.ReconfirmationsDue.Items = append(out.ReconfirmationsDue.Items, reconfirmDueJSON{ConsentID: d.ConsentID,
			MemberID: d.MemberID, Purpose: d.Purpose, GrantedAt: d.GrantedAt, Period: d.Period, DueAt: d.DueAt})
	}
	for _, run := range st.Runs {
		out.Jobs = append(out.Jobs, jobRunJSON{Job: run.Job, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt,
			Counts: run.Counts, Error: run.Error})
	}
	for _, rule := range st.Retention {
		out.Retention = append(out.Retention, retentionJSON{Data: rule.Data, PeriodDays: int64(rule.Period / (24 * time.Hour)),
			Action: rule.Action})
	}
	return out
}
