package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/fanmail/fanmail"
)

// argon2id parameters for new hashes: the OWASP minimum (19 MiB, 2 passes, 1
// lane) keeps a sign-in near 30 ms on a small server. Stored hashes carry their
// own parameters, so raising these later leaves old hashes verifiable.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits; the upper one stops hashing megabytes on every try.
const (
	MinPasswordLen = 10
	maxPasswordLen = 256
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC string of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches the PHC string encoded; a
// malformed or empty encoding never matches.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil || memory == 0 || time == 0 || threads == 0 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the e-mail address is unknown, so a
// failed sign-in takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() string { return hashPassword(rand.Text()) })

// validatePassword returns EINVALID for a password that is too short or long.
func validatePassword(password string) error {
	n := len([]rune(password))
	if n < MinPasswordLen {
		return fanmail.FieldError("password", "The password must be at least 10 characters long.")
	}
	if len(password) > maxPasswordLen {
		return fanmail.FieldError("password", "The password is too long.")
	}
	return nil
}
