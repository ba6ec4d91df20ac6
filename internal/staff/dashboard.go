package staff

import (
	"context"

	"github.com/fanmail/fanmail"
	"github.com/fanmail/fanmail/internal/store"
)

// Overview is what the staff dashboard shows: members by status, brands and
// products.
type Overview = store.Overview

// Overview counts members by status, brands and products for the dashboard.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	return s.db.Overview(ctx)
}

// Shops returns every shop, for assigning shop staff.
func (s *Service) Shops(ctx context.Context) ([]fanmail.Shop, error) {
	return s.db.Shops(ctx)
}
