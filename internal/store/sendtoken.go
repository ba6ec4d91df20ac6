package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Send tokens. A send's token is in its VERP return path, its Message-ID
// and every tracking and unsubscribe URL of its mail. Since migration 0020 a
// new send stores no token (its token column is empty): the token is its id
// encrypted with AES-128 under a key of the settings table, 32 hex digits.
// Decrypting a token gives the id back, and 64 zero bits alongside it that
// a guessed or altered token lacks (a chance of 2⁻⁶⁴), so it is unguessable
// like a random token, and a look-up is one by primary key. Storing and
// indexing a random token per send had cost a fifth of SQLite's work per
// message (bench/send).
//
// Sends created before then keep their stored token (26 characters, hex or
// base32), found through the partial index sends_token.

// SendTokenKeySetting names the settings row holding the key of send tokens.
const SendTokenKeySetting = "send_token_key"

// sendTokenLen is the length of a derived send token.
const sendTokenLen = 2 * aes.BlockSize

// sendTokens makes and reads derived send tokens.
type sendTokens struct{ block cipher.Block }

// token returns the token of send id.
func (t *sendTokens) token(id int64) string { return t.tagged(0, id) }

// tagged encrypts tag and id into a token.
func (t *sendTokens) tagged(tag uint64, id int64) string {
	var b [aes.BlockSize]byte
	binary.BigEndian.PutUint64(b[:8], tag)
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	t.block.Encrypt(b[:], b[:])
	var out [sendTokenLen]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// id returns the send id of token, or false when token is not a derived
// token of this key (a stored one, or a forgery).
func (t *sendTokens) id(token string) (int64, bool) {
	if len(token) != sendTokenLen {
		return 0, false
	}
	var b [aes.BlockSize]byte
	for i := range b {
		hi, ok1 := unhex(token[2*i])
		lo, ok2 := unhex(token[2*i+1])
		if !ok1 || !ok2 {
			return 0, false
		}
		b[i] = hi<<4 | lo
	}
	t.block.Decrypt(b[:], b[:])
	if binary.BigEndian.Uint64(b[:8]) != 0 {
		return 0, false
	}
	id := int64(binary.BigEndian.Uint64(b[8:]))
	return id, id > 0
}

// unhex decodes one lower-case hex digit: tokens are lower case, and MTAs
// that fold a VERP local part fold it to lower case.
func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// sendTokens returns the codec of send tokens, reading its key from the
// settings table, or creating it, the first time (Migrate does).
func (db *DB) sendTokens(ctx context.Context) (*sendTokens, error) {
	return db.sendTokensIn(ctx, db.sql)
}

// sendTokensIn is sendTokens through q, a transaction of db's or db's pool:
// on SQLite a transaction must not wait for another connection's write.
func (db *DB) sendTokensIn(ctx context.Context, q querier) (*sendTokens, error) {
	if t := db.tokens.Load(); t != nil {
		return t, nil
	}
	const read = `SELECT value FROM settings WHERE key = $1`
	var key string
	err := q.QueryRowContext(ctx, read, SendTokenKeySetting).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		// Several nodes may race here: all read the first key stored.
		k := make([]byte, 16)
		rand.Read(k)
		if _, err = q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			SendTokenKeySetting, hex.EncodeToString(k)); err == nil {
			err = q.QueryRowContext(ctx, read, SendTokenKeySetting).Scan(&key)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("send token key: %w", err)
	}
	stored, err := hex.DecodeString(key)
	if err != nil || len(stored) != 16 {
		return nil, fmt.Errorf("send token key: setting %s is not 32 hex digits", SendTokenKeySetting)
	}
	block, err := aes.NewCipher(stored)
	if err != nil {
		return nil, fmt.Errorf("send token key: %w", err)
	}
	t := &sendTokens{block: block}
	db.tokens.Store(t)
	return t, nil
}

// SendToken returns the token of send id.
func (db *DB) SendToken(ctx context.Context, id int64) (string, error) {
	t, err := db.sendTokens(ctx)
	if err != nil {
		return "", err
	}
	return t.token(id), nil
}

// SendToken is DB.SendToken inside the transaction.
func (tx *Tx) SendToken(ctx context.Context, id int64) (string, error) {
	t, err := tx.db.sendTokensIn(ctx, tx)
	if err != nil {
		return "", err
	}
	return t.token(id), nil
}

// The conditions on "sends s" that find the send of a token, with the
// argument $1 that sendTokens.where gives: by id for a derived token, else
// through sends_token (the condition repeats the index's, so that SQLite
// and PostgreSQL's generic plans use it). A derived token never finds a
// send that has a stored one.
const (
	sendByID          = `s.id = $1 AND s.token = ''`
	sendByStoredToken = `s.token = $1 AND s.token <> ''`
)

// where returns the condition on "sends s" that finds the send holding
// token, and its argument $1.
func (t *sendTokens) where(token string) (string, any) {
	if id, ok := t.id(token); ok {
		return sendByID, id
	}
	return sendByStoredToken, token
}

// Message tokens are made like derived send tokens, with 1 instead of 0 in
// the first 64 bits, so neither kind of token is ever read as the other.
const messageTokenTag = 1

// messageToken returns the token of outbox message id.
func (t *sendTokens) messageToken(id int64) string { return t.tagged(messageTokenTag, id) }

// messageID returns the message id of token, or false.
func (t *sendTokens) messageID(token string) (int64, bool) {
	if len(token) != sendTokenLen {
		return 0, false
	}
	b, err := hex.DecodeString(token)
	if err != nil {
		return 0, false
	}
	t.block.Decrypt(b, b)
	if binary.BigEndian.Uint64(b[:8]) != messageTokenTag {
		return 0, false
	}
	id := int64(binary.BigEndian.Uint64(b[8:]))
	return id, id > 0
}

// MessageToken returns the token of outbox message id: in its VERP return
// path, its Message-ID and its unsubscribe URL.
func (db *DB) MessageToken(ctx context.Context, id int64) (string, error) {
	t, err := db.sendTokens(ctx)
	if err != nil {
		return "", err
	}
	return t.messageToken(id), nil
}
