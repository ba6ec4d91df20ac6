package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// JobRun is one run of a compliance job: when it started and ended (nil
// while running, or when its process died), what it did and the error that
// ended it.
type JobRun struct {
	ID         int64
	Job        string
	StartedAt  time.Time
	FinishedAt *time.Time
	Counts     map[string]int64
	Error      string
}

// StartJobRun records that a run of job started now and returns its id.
func (db *DB) StartJobRun(ctx context.Context, job string) (int64, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `INSERT INTO job_runs (job, started_at) VALUES ($1, $2) RETURNING id`,
		job, db.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start %s run: %w", job, err)
	}
	return id, nil
}

// FinishJobRun records that run id ended now with counts and runErr ("" when it succeeded).
func (db *DB) FinishJobRun(ctx context.Context, id int64, counts map[string]int64, runErr string) error {
	if counts == nil {
		counts = map[string]int64{}
	}
	b, err := json.Marshal(counts)
	if err != nil {
		return err
	}
	if _, err := db.sql.ExecContext(ctx, `UPDATE job_runs SET finished_at = $1, counts = $2, error = $3 WHERE id = $4`,
		db.Now(), string(b), runErr, id); err != nil {
		return fmt.Errorf("finish job run %d: %w", id, err)
	}
	return nil
}

// LastJobRuns returns the latest run of each job of jobs that ever ran, in
// the order of jobs.
func (db *DB) LastJobRuns(ctx context.Context, jobs []string) ([]JobRun, error) {
	var out []JobRun
	for _, job := range jobs {
		var r JobRun
		var fin sql.NullTime
		var counts string
		err := db.sql.QueryRowContext(ctx, `SELECT id, job, started_at, finished_at, counts, error FROM job_runs
			WHERE job = $1 ORDER BY id DESC LIMIT 1`, job).Scan(&r.ID, &r.Job, &r.StartedAt, &fin, &counts, &r.Error)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("last %s run: %w", job, err)
		}
		r.StartedAt = r.StartedAt.UTC()
		if fin.Valid {
			t := fin.Time.UTC()
			r.FinishedAt = &t
		}
		if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
			return nil, fmt.Errorf("last %s run: counts: %w", job, err)
		}
		out = append(out, r)
	}
	return out, nil
}
