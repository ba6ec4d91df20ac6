// Package segment owns segments: named member rules built in the staff UI,
// counted while they are edited and evaluated again whenever a campaign is
// sent to them.
package segment

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// CountTimeout bounds one count, so a pathological segment cannot hold a
// database connection for long.
const CountTimeout = 20 * time.Second

const maxNameLen = 100

// Service manages segments. Its clock is the database's (db.Now).
type Service struct {
	db       *store.DB
	ageBands []fanmail.AgeBand
	logger   *slog.Logger
}

// New returns a Service over db offering ageBands (config.AgeBands; nil =
// fanmail.DefaultAgeBands) in the builder.
func New(db *store.DB, ageBands []fanmail.AgeBand, logger *slog.Logger) *Service {
	if len(ageBands) == 0 {
		ageBands = fanmail.DefaultAgeBands
	}
	return &Service{db: db, ageBands: ageBands, logger: logger}
}

// Segments returns every segment by name.
func (s *Service) Segments(ctx context.Context) ([]fanmail.Segment, error) {
	return s.db.Segments(ctx)
}

// Segment returns the segment with id, or ENOTFOUND.
func (s *Service) Segment(ctx context.Context, id int64) (fanmail.Segment, error) {
	return s.db.SegmentByID(ctx, id)
}

// Create validates and stores a new segment. It returns EINVALID naming the
// field at fault: "name", or the path of a rule (fanmail.SegmentPath).
func (s *Service) Create(ctx context.Context, name string, rules fanmail.SegmentRules, createdBy int64) (fanmail.Segment, error) {
	name, err := s.check(ctx, name, rules)
	if err != nil {
		return fanmail.Segment{}, err
	}
	sg, err := s.db.CreateSegment(ctx, fanmail.Segment{Name: name, Rules: rules, CreatedBy: createdBy})
	if err == nil {
		s.logger.Info("segment created", "segment_id", sg.ID, "user_id", createdBy)
	}
	return sg, err
}

// Update validates and replaces the name and rules of segment id. It returns
// EINVALID like Create, or ENOTFOUND.
func (s *Service) Update(ctx context.Context, id int64, name string, rules fanmail.SegmentRules) (fanmail.Segment, error) {
	name, err := s.check(ctx, name, rules)
	if err != nil {
		return fanmail.Segment{}, err
	}
	return s.db.UpdateSegment(ctx, id, name, rules)
}

// Delete deletes segment id; ECONFLICT when a campaign uses it.
func (s *Service) Delete(ctx context.Context, id int64) error {
	err := s.db.DeleteSegment(ctx, id)
	if err == nil {
		s.logger.Info("segment deleted", "segment_id", id)
	}
	return err
}

func (s *Service) check(ctx context.Context, name string, rules fanmail.SegmentRules) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return name, fanmail.FieldError("name", "Enter a name for the segment.")
	case utf8.RuneCountInString(name) > maxNameLen:
		return name, fanmail.FieldError("name", "The name is too long.")
	}
	return name, s.Check(ctx, rules)
}

// Check returns EINVALID naming the path of the first rule at fault when
// rules are malformed or refer to a brand, group, shop, question or option
// that does not exist.
func (s *Service) Check(ctx context.Context, rules fanmail.SegmentRules) error {
	if err := rules.Validate(); err != nil {
		return err
	}
	return s.db.CheckSegmentRefs(ctx, rules)
}

// Count returns how many members match rules now. It returns EINVALID like
// Check, and EUNAVAILABLE when counting takes longer than CountTimeout.
func (s *Service) Count(ctx context.Context, rules fanmail.SegmentRules) (int64, error) {
	if err := s.Check(ctx, rules); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, CountTimeout)
	defer cancel()
	start := time.Now()
	n, err := s.db.CountSegment(ctx, rules, s.db.Now())
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.logger.Warn("segment count timed out", "timeout", CountTimeout)
		return 0, fanmail.Errorf(fanmail.EUNAVAILABLE, "Counting this segment took too long; try fewer conditions.")
	}
	if err != nil {
		return 0, err
	}
	s.logger.Debug("segment counted", "members", n, "duration", time.Since(start))
	return n, nil
}

// Members returns up to limit members matching rules now with ids above
// afterID, by id. It returns EINVALID like Check.
func (s *Service) Members(ctx context.Context, rules fanmail.SegmentRules, afterID int64, limit int) ([]fanmail.Member, error) {
	if err := s.Check(ctx, rules); err != nil {
		return nil, err
	}
	return s.db.SegmentMembers(ctx, rules, s.db.Now(), afterID, limit)
}

// GroupChoice is a brand group with its brands, as the builder lists them.
type GroupChoice struct {
	Group  fanmail.BrandGroup
	Brands []fanmail.Brand
}

// Choices are the values the builder offers for each field.
type Choices struct {
	AgeBands  []fanmail.AgeBand
	Regions   []fanmail.Region
	Groups    []GroupChoice
	Shops     []fanmail.Shop
	Questions []fanmail.Question // profile questions with options (text questions left out)
}

// Choices loads what the builder lists: age bands, regions, brands by group
// (published or not, so old segments stay readable), shops and the profile
// questions that have options.
func (s *Service) Choices(ctx context.Context) (Choices, error) {
	c := Choices{AgeBands: s.ageBands, Regions: fanmail.SegmentRegions}
	groups, err := s.db.BrandGroups(ctx, false)
	if err != nil {
		return c, err
	}
	brands, err := s.db.Brands(ctx, 0, false)
	if err != nil {
		return c, err
	}
	for _, g := range groups {
		gc := GroupChoice{Group: g}
		for _, b := range brands {
			if b.GroupID == g.ID {
				gc.Brands = append(gc.Brands, b)
			}
		}
		c.Groups = append(c.Groups, gc)
	}
	if c.Shops, err = s.db.Shops(ctx); err != nil {
		return c, err
	}
	qs, err := s.db.Questions(ctx, ProfileSurvey, false)
	if err != nil {
		return c, err
	}
	for _, q := range qs {
		if q.Kind != fanmail.QuestionText && len(q.Options) > 0 {
			c.Questions = append(c.Questions, q)
		}
	}
	return c, nil
}

// ProfileSurvey names the registration survey whose answers segments use
// (member.ProfileSurvey).
const ProfileSurvey = "profile"
