package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/channel/email"
	"github.com/fanmail/fanmail/internal/delivery"
	"github.com/fanmail/fanmail/internal/store"
	"github.com/fanmail/fanmail/internal/survey"
	"github.com/fanmail/fanmail/internal/tracking"
)

// runOutbox invites every member to the deep brand survey (the rows the
// survey service writes, in two statements) and sends the invitations
// through delivery.Outbox to the sink: the contact rule per message, the
// survey service's own rendering with one-click answers and a signed link,
// "(광고)" framing, legal footer, RFC 8058 headers, VERP and the recorded
// outcome. It prints a result as JSON.
func runOutbox(ctx context.Context, f flags, db *store.DB, logger *slog.Logger) error {
	now := time.Now().UTC()
	cast := ""
	if db.Engine() == store.Postgres {
		cast = "::text"
	}
	stopProfile, err := startProfile(f)
	if err != nil {
		return err
	}
	defer stopProfile()
	surveys := survey.New(db, logger, survey.Options{BaseURL: "https://fan.example.com"})
	if err := surveys.EnsureDefaults(ctx); err != nil {
		return err
	}
	deep, err := db.SurveyByKey(ctx, fanmail.SurveyBrandDeep)
	if err != nil {
		return err
	}
	t0 := time.Now()
	// The invitations InviteTx would write, one statement each for all
	// members: the benchmark measures sending, not 100k transactions.
	expires := now.Add(survey.DefaultInvitationTTL)
	for _, q := range []string{
		`INSERT INTO survey_invitations (survey_id, member_id, cause, expires_at, created_at)
		SELECT $1, id, 'bench', $2, $3 FROM members`,
		`INSERT INTO messages (kind, channel, purpose, member_id, ref, data, status, run_at, created_at)
		SELECT '` + fanmail.MessageSurveyInvitation + `', 'email', 'marketing', member_id, 'survey-invite:' || id` + cast + `,
			'{"invitation_id":' || id` + cast + ` || ',"survey_id":' || survey_id` + cast + ` || ',"expires":"` + expires.Format(time.RFC3339) + `"}',
			'queued', $3, $3
		FROM survey_invitations WHERE survey_id = $1 AND cause = 'bench' AND $2 = $2`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q, deep.ID, expires, now); err != nil {
			return fmt.Errorf("queue invitations: %w", err)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO message_queue (message_id, run_at)
		SELECT id, run_at FROM messages WHERE status = 'queued'`); err != nil {
		return fmt.Errorf("queue invitations: %w", err)
	}
	// The queueing above is not the outbox's work: CPU is counted from here.
	cpu0 := cpuSeconds()
	sys0, sw0 := syscallCount(), switches()
	dbCPU0 := backendCPU(ctx, db)
	t1 := time.Now()
	cfg, err := email.ParseURL(fmt.Sprintf("smtp://%s?tls=none", f.sinkAddr))
	if err != nil {
		return err
	}
	ob := delivery.NewOutbox(db, logger, delivery.OutboxOptions{
		SMTP: &cfg, From: "오즈세컨 <news@ozsecond.example>", BounceDomain: "fan.example.com",
		URLs: tracking.NewURLs("https://fan.example.com", []byte("bench secret")),
		Sender: func(context.Context) (fanmail.Sender, error) {
			return fanmail.Sender{Name: "오즈세컨 강남점", Address: "서울특별시 강남구 테헤란로 123", Phone: "02-1234-5678"}, nil
		},
		Batch: f.batch, Workers: f.outboxWorkers,
	})
	ob.Register(fanmail.MessageSurveyInvitation, surveys.Render)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() { ob.Run(runCtx); close(done) }()
	for {
		// Unfinished messages are in the outbox's queue: finding one is
		// cheap, counting them all every few milliseconds was not (a
		// quarter of the CPU the benchmark charged to the outbox).
		var left int
		err := db.SQL().QueryRowContext(ctx, `SELECT 1 FROM message_queue LIMIT 1`).Scan(&left)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	t2 := time.Now()
	stop()
	<-done
	counts, err := db.MessageCounts(ctx)
	if err != nil {
		return err
	}
	sent := int64(counts[fanmail.MessageSent])
	cpu := cpuSeconds() - cpu0
	dbCPU := backendCPU(ctx, db) - dbCPU0
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r := result{Engine: db.Engine() + " outbox", N: f.n, QueueSeconds: t1.Sub(t0).Seconds(), SendSeconds: t2.Sub(t1).Seconds(),
		WallSeconds: t2.Sub(t0).Seconds(), CPUSeconds: cpu, PeakRSSMB: float64(ru.Maxrss) / 1024, Sent: sent}
	r.MsgsPerSec = float64(f.n) / r.SendSeconds
	r.CPUPerMsg = cpu / float64(f.n) * 1e6
	r.SyscallsPerMsg = float64(syscallCount()-sys0) / float64(f.n)
	r.SwitchesPerMsg = float64(switches()-sw0) / float64(f.n)
	if dbCPU > 0 {
		r.DBCPUPerMsg = dbCPU / float64(f.n) * 1e6
	}
	for _, q := range []string{`DELETE FROM messages`, `DELETE FROM survey_invitations`} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}
