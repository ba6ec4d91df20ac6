package admin

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/web"
)

// brandProgramRoutes: a brand's fan program (which steps run, staff's own
// mail wording) and the seed's fig. 4 table of who chose the brand, by
// gender and age band, with its CSV.
func (h *Handler) brandProgramRoutes(mux *http.ServeMux) {
	page := func(fn web.HandlerFunc) http.Handler { return h.page(fanmail.PermManageCatalog, fn) }
	mux.Handle("GET /admin/catalog/brands/{id}/program", page(h.brandProgram))
	mux.Handle("POST /admin/catalog/brands/{id}/program", page(h.saveBrandProgram))
	mux.Handle("GET /admin/catalog/brands/{id}/preferences.csv", h.page(fanmail.PermViewMembers, h.brandPreferencesCSV))
}

// stepLabels name the steps on the page.
var stepLabels = map[string]string{
	fanmail.StepWelcomeChip:      "Welcome chip and brand mail",
	fanmail.StepSurveyInvitation: "Deep survey invitation",
	fanmail.StepFanDecision:      "Fan decision on each answer",
	fanmail.StepFanReward:        "Gift certificate and fan mail for a new fan",
}

// stepRow is one step on the program page.
type stepRow struct {
	fanmail.BrandStep
	Label   string
	HasMail bool // staff may word its mail (the invitation's is the survey's own)
}

// prefTable is fig. 4: members who chose the brand, rows by age band,
// columns by gender.
type prefTable struct {
	Genders []string // column keys
	Labels  []string // column labels
	Rows    []prefRow
	Totals  []int64
	Total   int64
}

type prefRow struct {
	AgeBand string
	Counts  []int64
	Total   int64
}

type brandProgramPage struct {
	Brand fanmail.Brand
	Steps []stepRow
	Prefs prefTable
	Saved bool
	Error string
}

func (h *Handler) brandProgramData(r *http.Request, id int64) (brandProgramPage, error) {
	ctx := r.Context()
	b, err := h.Sessions.DB.BrandByID(ctx, id, false)
	if err != nil {
		return brandProgramPage{}, err
	}
	steps, err := h.Sessions.DB.BrandSteps(ctx, id)
	if err != nil {
		return brandProgramPage{}, err
	}
	p := brandProgramPage{Brand: b}
	for _, s := range steps {
		p.Steps = append(p.Steps, stepRow{BrandStep: s, Label: stepLabels[s.Step],
			HasMail: s.Step == fanmail.StepWelcomeChip || s.Step == fanmail.StepFanReward})
	}
	if p.Prefs, err = h.prefTable(r, id); err != nil {
		return p, err
	}
	return p, nil
}

// prefTable builds fig. 4 for the brand over the configured age bands
// (counts under a band no longer configured are kept in an extra row).
func (h *Handler) prefTable(r *http.Request, brandID int64) (prefTable, error) {
	counts, err := h.Members.BrandCounts(r.Context(), brandID)
	if err != nil {
		return prefTable{}, err
	}
	t := prefTable{Genders: append(slices.Clone(fanmail.Genders), "")}
	for _, g := range t.Genders {
		t.Labels = append(t.Labels, fanmail.GenderLabel(g))
	}
	bands := h.Config.AgeBands
	if len(bands) == 0 {
		bands = fanmail.DefaultAgeBands
	}
	index := map[string]int{}
	for _, b := range bands {
		index[b.Label] = len(t.Rows)
		t.Rows = append(t.Rows, prefRow{AgeBand: b.Label, Counts: make([]int64, len(t.Genders))})
	}
	t.Totals = make([]int64, len(t.Genders))
	for _, c := range counts {
		i, ok := index[c.AgeBand]
		if !ok {
			index[c.AgeBand] = len(t.Rows)
			i = len(t.Rows)
			t.Rows = append(t.Rows, prefRow{AgeBand: c.AgeBand, Counts: make([]int64, len(t.Genders))})
		}
		g := len(t.Genders) - 1
		for k, key := range t.Genders {
			if key == c.Gender {
				g = k
			}
		}
		t.Rows[i].Counts[g] += c.Count
		t.Rows[i].Total += c.Count
		t.Totals[g] += c.Count
		t.Total += c.Count
	}
	return t, nil
}

func (h *Handler) brandProgram(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.brandProgramData(r, id)
	if err != nil {
		return err
	}
	p.Saved = r.URL.Query().Get("saved") == "1"
	return h.render(w, r, http.StatusOK, "brand_program", p.Brand.Name, p)
}

func (h *Handler) saveBrandProgram(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	for _, step := range fanmail.BrandStepKinds {
		get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k + "_" + step)) }
		s := fanmail.BrandStep{BrandID: id, Step: step, Enabled: r.PostFormValue("enabled_"+step) == "1",
			SubjectKo: get("subject_ko"), SubjectEn: get("subject_en"), IntroKo: get("intro_ko"), IntroEn: get("intro_en")}
		if _, err := h.Sessions.DB.SetBrandStep(ctx, s); err != nil {
			if fanmail.ErrorCode(err) != fanmail.EINVALID {
				return err
			}
			p, perr := h.brandProgramData(r, id)
			if perr != nil {
				return perr
			}
			p.Error = fanmail.ErrorMessage(err)
			return h.render(w, r, http.StatusUnprocessableEntity, "brand_program", p.Brand.Name, p)
		}
	}
	h.Logger.Info("brand program saved", "brand_id", id, "user_id", currentUser(r).ID)
	http.Redirect(w, r, "/admin/catalog/brands/"+strconv.FormatInt(id, 10)+"/program?saved=1", http.StatusSeeOther)
	return nil
}

// brandPreferencesCSV downloads fig. 4 of the brand: one line per age band
// and gender with a count.
func (h *Handler) brandPreferencesCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.Sessions.DB.BrandByID(r.Context(), id, false)
	if err != nil {
		return err
	}
	t, err := h.prefTable(r, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="brand-`+b.Slug+`-preferences.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"brand", "age_band", "gender", "members"})
	for _, row := range t.Rows {
		for k, g := range t.Genders {
			cw.Write([]string{b.Slug, row.AgeBand, g, strconv.FormatInt(row.Counts[k], 10)})
		}
	}
	cw.Flush()
	return cw.Error()
}
