package member

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// DataCopy is everything fanmail holds about one member, for the member's
// right of access and portability (GDPR Art. 15 and 20, PIPA Art. 35). The
// portal, the admin member page, the API and the CLI all serve what
// MemberData builds: as JSON (this struct) or as CSV (WriteDataCSV).
type DataCopy struct {
	Format         string          `json:"format"` // "fanmail-member-data/1"
	ExportedAt     time.Time       `json:"exported_at"`
	Profile        DataProfile     `json:"profile"`
	ProfileAnswers []DataAnswer    `json:"profile_answers"`
	SurveyAnswers  []DataAnswer    `json:"survey_answers"`
	Consents       []DataConsent   `json:"consents"`
	ConsentHistory []DataConsent   `json:"consent_history"`
	Brands         []DataBrand     `json:"brands"`
	Balances       []DataBalance   `json:"balances"`
	Ledger         []DataLedger    `json:"ledger"`
	Certificates   []DataCert      `json:"certificates"`
	Orders         []DataOrder     `json:"orders"`
	OrderItems     []DataOrderItem `json:"order_items"`
	Messages       []DataMessage   `json:"messages"`
}

// DataProfile is the member's own record.
type DataProfile struct {
	ID          int64      `json:"id"`
	Code        string     `json:"member_code"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone"`
	BirthYear   int        `json:"birth_year"`
	Gender      string     `json:"gender"`
	PostalCode  string     `json:"postal_code"`
	Address     string     `json:"address"`
	Lang        string     `json:"lang"`
	Status      string     `json:"status"`
	Source      string     `json:"source"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

// DataAnswer is one answer to a question of the profile or another survey.
type DataAnswer struct {
	Survey     string    `json:"survey"`
	ResponseID int64     `json:"response_id"` // 0 for profile answers
	Question   string    `json:"question"`
	Answer     string    `json:"answer"`
	AnsweredAt time.Time `json:"answered_at"`
}

// DataConsent is a consent decision: the current one per purpose, or one
// record of the history.
type DataConsent struct {
	Purpose string     `json:"purpose"`
	Channel string     `json:"channel"`
	Granted bool       `json:"granted"`
	Source  string     `json:"source"`
	IP      string     `json:"ip"`
	Version string     `json:"version"`
	At      *time.Time `json:"at"`
}

// DataBrand is a brand the member picked, or of which they are a fan.
type DataBrand struct {
	BrandID int64      `json:"brand_id"`
	Brand   string     `json:"brand"`
	Kind    string     `json:"kind"` // "favourite" or "fan"
	Since   *time.Time `json:"since"`
}

// DataBalance is a chip or point balance.
type DataBalance struct {
	Brand  string `json:"brand"`
	Unit   string `json:"unit"`
	Amount int64  `json:"amount"`
}

// DataLedger is one chip or point ledger entry.
type DataLedger struct {
	ID        int64      `json:"id"`
	Brand     string     `json:"brand"`
	Unit      string     `json:"unit"`
	Op        string     `json:"op"`
	Amount    int64      `json:"amount"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// DataCert is a gift certificate.
type DataCert struct {
	Code       string     `json:"code"`
	Value      int64      `json:"value"`
	State      string     `json:"state"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RedeemedAt *time.Time `json:"redeemed_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// DataOrder is an order without its items (see DataOrderItem).
type DataOrder struct {
	OrderNumber string    `json:"order_number"`
	OrderedAt   time.Time `json:"ordered_at"`
	Amount      int64     `json:"amount"`
	Source      string    `json:"source"`
}

// DataOrderItem is one line of an order.
type DataOrderItem struct {
	OrderNumber string `json:"order_number"`
	Name        string `json:"name"`
	Quantity    int    `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
}

// DataMessage is a mail fanmail sent or queued for the member: a campaign
// mail (with its subject) or one of the outbox (kind only: their subjects
// are made when sent and not stored).
type DataMessage struct {
	Kind    string     `json:"kind"`
	Subject string     `json:"subject"`
	Channel string     `json:"channel"`
	Status  string     `json:"status"`
	SentAt  *time.Time `json:"sent_at"`
}

// dataFormat names the layout of DataCopy, for programs that read it.
const dataFormat = "fanmail-member-data/1"

// MemberData builds the copy of everything held about member id. Errors:
// ENOTFOUND.
func (s *Service) MemberData(ctx context.Context, id int64) (DataCopy, error) {
	d := DataCopy{Format: dataFormat, ExportedAt: s.now().UTC()}
	m, err := s.db.MemberByID(ctx, id)
	if err != nil {
		return d, err
	}
	d.Profile = DataProfile{ID: m.ID, Code: m.Code, Email: m.Email, Name: m.Name, Phone: m.Phone, BirthYear: m.BirthYear,
		Gender: m.Gender, PostalCode: m.PostalCode, Address: m.Address, Lang: m.Lang, Status: m.Status, Source: m.Source,
		CreatedAt: m.CreatedAt, ConfirmedAt: m.ConfirmedAt, LastLoginAt: m.LastLoginAt}
	q := questionCache{db: s.db, lang: m.Lang, byID: map[int64]fanmail.Question{}}
	answers, err := s.db.Answers(ctx, id)
	if err != nil {
		return d, err
	}
	for _, a := range answers {
		row, err := q.answer(ctx, a)
		if err != nil {
			return d, err
		}
		row.Survey = ProfileSurvey
		d.ProfileAnswers = append(d.ProfileAnswers, row)
	}
	responses, err := s.db.ResponsesOfMember(ctx, id)
	if err != nil {
		return d, err
	}
	for _, r := range responses {
		sv, err := s.db.SurveyByID(ctx, r.SurveyID)
		if err != nil {
			return d, err
		}
		for _, a := range r.Answers {
			row, err := q.answer(ctx, a)
			if err != nil {
				return d, err
			}
			row.Survey, row.ResponseID, row.AnsweredAt = sv.Key, r.ID, r.SubmittedAt
			d.SurveyAnswers = append(d.SurveyAnswers, row)
		}
	}
	if err := s.dataConsents(ctx, id, &d); err != nil {
		return d, err
	}
	if err := s.dataBrands(ctx, id, &d); err != nil {
		return d, err
	}
	if err := s.dataLoyalty(ctx, id, &d); err != nil {
		return d, err
	}
	if err := s.dataOrders(ctx, id, &d); err != nil {
		return d, err
	}
	if err := s.dataMessages(ctx, id, &d); err != nil {
		return d, err
	}
	// Empty sections are [] in JSON, not null.
	v := reflect.ValueOf(&d).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.IsNil() {
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		}
	}
	return d, nil
}

func (s *Service) dataConsents(ctx context.Context, id int64, d *DataCopy) error {
	hist, err := s.db.ConsentHistory(ctx, id)
	if err != nil {
		return err
	}
	current := map[string]int{}
	for _, c := range hist {
		at := c.CreatedAt
		row := DataConsent{Purpose: c.Purpose, Channel: c.Channel, Granted: c.Granted, Source: c.Source, IP: c.IP,
			Version: c.Version, At: &at}
		d.ConsentHistory = append(d.ConsentHistory, row)
		if i, ok := current[c.Purpose]; ok {
			d.Consents[i] = row
		} else {
			current[c.Purpose] = len(d.Consents)
			d.Consents = append(d.Consents, row)
		}
	}
	return nil
}

func (s *Service) dataBrands(ctx context.Context, id int64, d *DataCopy) error {
	brands, err := s.db.Brands(ctx, 0, false)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, b := range brands {
		names[b.ID] = b.Name
	}
	liked, err := s.db.BrandPreferences(ctx, id)
	if err != nil {
		return err
	}
	for _, b := range liked {
		d.Brands = append(d.Brands, DataBrand{BrandID: b, Brand: names[b], Kind: "favourite"})
	}
	fans, err := s.db.FanMemberships(ctx, id)
	if err != nil {
		return err
	}
	for _, f := range fans {
		since := f.Since
		d.Brands = append(d.Brands, DataBrand{BrandID: f.BrandID, Brand: names[f.BrandID], Kind: "fan", Since: &since})
	}
	return nil
}

func (s *Service) dataLoyalty(ctx context.Context, id int64, d *DataCopy) error {
	bals, err := s.db.Balances(ctx, id)
	if err != nil {
		return err
	}
	for _, b := range bals {
		d.Balances = append(d.Balances, DataBalance{Brand: b.BrandName, Unit: b.Unit, Amount: b.Amount})
	}
	err = allPages(func(before int64) ([]store.EntryLine, error) {
		return s.db.LedgerEntries(ctx, store.EntryFilter{MemberID: id, Before: before, Limit: dataPage})
	}, func(e store.EntryLine) int64 {
		d.Ledger = append(d.Ledger, DataLedger{ID: e.ID, Brand: e.BrandName, Unit: e.Unit, Op: e.Op, Amount: e.Amount,
			Reason: e.Reason, ExpiresAt: e.ExpiresAt, CreatedAt: e.CreatedAt})
		return e.ID
	})
	if err != nil {
		return err
	}
	certs, err := s.db.Certificates(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range certs {
		d.Certificates = append(d.Certificates, DataCert{Code: c.Code, Value: c.Value, State: c.State,
			ExpiresAt: c.ExpiresAt, RedeemedAt: c.RedeemedAt, CreatedAt: c.CreatedAt})
	}
	return nil
}

func (s *Service) dataOrders(ctx context.Context, id int64, d *DataCopy) error {
	return allPages(func(before int64) ([]store.OrderSummary, error) {
		return s.db.Orders(ctx, store.OrderFilter{MemberID: id, Before: before, Limit: dataPage})
	}, func(o store.OrderSummary) int64 {
		d.Orders = append(d.Orders, DataOrder{OrderNumber: o.ExternalID, OrderedAt: o.OrderedAt, Amount: o.Amount, Source: o.Source})
		for _, it := range o.Items {
			d.OrderItems = append(d.OrderItems, DataOrderItem{OrderNumber: o.ExternalID, Name: it.Name,
				Quantity: it.Quantity, UnitPrice: it.UnitPrice})
		}
		return o.ID
	})
}

func (s *Service) dataMessages(ctx context.Context, id int64, d *DataCopy) error {
	mails, err := s.db.CampaignMailsOf(ctx, id)
	if err != nil {
		return err
	}
	for _, m := range mails {
		d.Messages = append(d.Messages, DataMessage{Kind: "campaign", Subject: m.Subject, Channel: fanmail.ChannelEmail,
			Status: m.State, SentAt: m.SentAt})
	}
	return allPages(func(before int64) ([]fanmail.Message, error) {
		return s.db.Messages(ctx, store.MessageFilter{MemberID: id, BeforeID: before, Limit: dataPage})
	}, func(m fanmail.Message) int64 {
		d.Messages = append(d.Messages, DataMessage{Kind: m.Kind, Channel: m.Channel, Status: m.Status, SentAt: m.SentAt})
		return m.ID
	})
}

// dataPage is how many records MemberData reads at a time.
const dataPage = 500

// allPages reads pages newest first, from page(0) on, each before the id
// that add returned for the last record of the previous page, until a
// page is not full.
func allPages[T any](page func(before int64) ([]T, error), add func(T) int64) error {
	for before := int64(0); ; {
		recs, err := page(before)
		if err != nil {
			return err
		}
		for _, r := range recs {
			before = add(r)
		}
		if len(recs) < dataPage {
			return nil
		}
	}
}

// questionCache names questions and options in the member's language.
type questionCache struct {
	db   *store.DB
	lang string
	byID map[int64]fanmail.Question
}

func (c *questionCache) answer(ctx context.Context, a fanmail.Answer) (DataAnswer, error) {
	q, ok := c.byID[a.QuestionID]
	if !ok {
		var err error
		if q, err = c.db.QuestionByID(ctx, a.QuestionID); err != nil {
			return DataAnswer{}, err
		}
		c.byID[a.QuestionID] = q
	}
	pick := func(ko, en string) string {
		if c.lang == fanmail.LangEnglish && en != "" {
			return en
		}
		return ko
	}
	var parts []string
	for _, id := range a.OptionIDs {
		for _, o := range q.Options {
			if o.ID == id {
				parts = append(parts, pick(o.LabelKo, o.LabelEn))
			}
		}
	}
	if a.Number != nil {
		parts = append(parts, strconv.Itoa(*a.Number))
	}
	if a.Text != "" {
		parts = append(parts, a.Text)
	}
	return DataAnswer{Question: pick(q.LabelKo, q.LabelEn), Answer: strings.Join(parts, "; "), AnsweredAt: a.AnsweredAt}, nil
}

// WriteDataCSV writes d as one CSV table with the columns section, row,
// field and value: one line per field of each record, sections named as in
// the JSON (profile, profile_answers, …, messages), rows counted from 1
// within a section, times in RFC 3339 (UTC), empty for none. A spreadsheet
// filters it by section; a program reads it back without knowing the
// sections in advance. Text cells starting with a formula character are
// prefixed with ' so spreadsheets do not run them (see safeCell).
func WriteDataCSV(w io.Writer, d DataCopy) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"section", "row", "field", "value"}); err != nil {
		return err
	}
	v := reflect.ValueOf(d)
	for i := 0; i < v.NumField(); i++ {
		section := jsonName(v.Type().Field(i))
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			for r := 0; r < f.Len(); r++ {
				if err := writeDataRecord(cw, section, r+1, f.Index(r)); err != nil {
					return err
				}
			}
		case reflect.Struct:
			if _, isTime := f.Interface().(time.Time); !isTime {
				if err := writeDataRecord(cw, section, 1, f); err != nil {
					return err
				}
				continue
			}
			fallthrough
		default:
			if err := cw.Write([]string{"meta", "1", section, dataCell(f)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeDataRecord(cw *csv.Writer, section string, row int, rec reflect.Value) error {
	for j := 0; j < rec.NumField(); j++ {
		if err := cw.Write([]string{section, strconv.Itoa(row), jsonName(rec.Type().Field(j)), dataCell(rec.Field(j))}); err != nil {
			return err
		}
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func dataCell(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case string:
		return safeCell(x)
	default:
		return fmt.Sprint(x) // numbers and booleans, never formulas
	}
}
