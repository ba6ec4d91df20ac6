package jobs

import (
	"context"
	"encoding/json"
	"fmt"
)

// Typed adapts a handler of payload type T: the payload is decoded into T
// before fn runs, and a payload that does not decode is not retried.
func Typed[T any](fn func(ctx context.Context, v T) error) Handler {
	return func(ctx context.Context, payload json.RawMessage) error {
		var v T
		if err := json.Unmarshal(payload, &v); err != nil {
			return Permanent(fmt.Errorf("decode %T: %w", v, err))
		}
		return fn(ctx, v)
	}
}
