package email

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Pipe is one SMTP connection for bulk mail: it sends pre-rendered messages
// one after another and, when the server offers PIPELINING (RFC 2920), needs
// one write and one round trip per message, and does not wait for that round
// trip in Send (see Send). The final reply to a message's data is read
// together with the replies to the next message's MAIL, RCPT and DATA, so
// Done hears of each outcome in order, up to two messages late; Flush
// collects the rest.
//
// A Pipe is not safe for concurrent use: give each worker its own.
type Pipe struct {
	// Done receives the outcome of every message given to Send, in order:
	// nil when the server accepted it, else an *Error (see IsTemporary).
	Done func(tag int, err error)

	cfg        Config
	conn       net.Conn
	r          *bufio.Reader
	w          *bufio.Writer
	timeout    time.Duration
	pipelining bool
	eightBit   bool // the server offers 8BITMIME
	pending    bool // the reply to a message's end of data is due
	pendingTag int
	// outstanding: a message's MAIL, RCPT and DATA are written, their
	// replies due; its data waits in held.
	outstanding bool
	outTag      int
	held        []byte
	needReset   bool // the last transaction failed half-way: RSET first
	resetSent   bool // a RSET is written, its reply due
	line        []byte
	deadlineSet time.Time // when deadline last moved the connection's
}

// DialPipe connects to the server of cfg, greets it as helo, starts TLS as
// cfg.TLS asks and logs in when cfg has a user name. Errors are *Error
// (temporary) or ctx's error; they never contain credentials.
func DialPipe(ctx context.Context, cfg Config, helo string) (*Pipe, error) {
	if cfg.Transport != TransportSMTP {
		return nil, errors.New("email: DialPipe needs an smtp:// or smtps:// configuration")
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: cfg.timeout()}
	var conn net.Conn
	var err error
	if cfg.tlsMode() == TLSImplicit {
		td := tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, connectError(err, cfg.Password)
	}
	p := &Pipe{cfg: cfg, timeout: cfg.timeout()}
	p.setConn(conn)
	if err := p.handshake(helo); err != nil {
		conn.Close()
		e := connectError(err, cfg.Password).(*Error)
		var reply *Error
		if errors.As(err, &reply) {
			e.Code = reply.Code
		}
		return nil, e
	}
	return p, nil
}

func (p *Pipe) setConn(c net.Conn) {
	p.conn, p.deadlineSet = c, time.Time{}
	p.r = bufio.NewReaderSize(c, 4<<10)
	p.w = bufio.NewWriterSize(c, 32<<10)
}

// handshake reads the greeting, says EHLO, starts TLS and authenticates.
func (p *Pipe) handshake(helo string) error {
	p.deadline()
	if _, _, err := p.expect(220); err != nil {
		return err
	}
	ext, err := p.ehlo(helo)
	if err != nil {
		return err
	}
	_, tlsNow := p.conn.(*tls.Conn)
	_, canTLS := ext["STARTTLS"]
	mode := p.cfg.tlsMode()
	if !tlsNow && (mode == TLSRequired || mode == TLSOpportunistic && canTLS) {
		if !canTLS {
			return errors.New("server does not offer STARTTLS")
		}
		if err := p.command("STARTTLS", 220); err != nil {
			return err
		}
		tc := tls.Client(p.conn, &tls.Config{ServerName: p.cfg.Host, MinVersion: tls.VersionTLS12})
		if err := tc.Handshake(); err != nil {
			return err
		}
		p.setConn(tc)
		tlsNow = true
		if ext, err = p.ehlo(helo); err != nil {
			return err
		}
	}
	_, p.pipelining = ext["PIPELINING"]
	_, p.eightBit = ext["8BITMIME"]
	if p.cfg.Username == "" {
		return nil
	}
	if !tlsNow && mode != TLSNone && !isLocalhost(p.cfg.Host) {
		return errors.New("refusing to send the password over an unencrypted connection (use tls=none to allow it)")
	}
	mechs := " " + ext["AUTH"] + " "
	switch {
	case strings.Contains(mechs, " PLAIN "):
		token := base64.StdEncoding.EncodeToString([]byte("\x00" + p.cfg.Username + "\x00" + p.cfg.Password))
		return p.command("AUTH PLAIN "+token, 235)
	case strings.Contains(mechs, " LOGIN "):
		if err := p.command("AUTH LOGIN", 334); err != nil {
			return err
		}
		if err := p.command(base64.StdEncoding.EncodeToString([]byte(p.cfg.Username)), 334); err != nil {
			return err
		}
		return p.command(base64.StdEncoding.EncodeToString([]byte(p.cfg.Password)), 235)
	}
	return errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN")
}

func isLocalhost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ehlo says EHLO and returns the extensions offered, keyword → parameters.
func (p *Pipe) ehlo(helo string) (map[string]string, error) {
	p.w.WriteString("EHLO " + helo + "\r\n")
	if err := p.w.Flush(); err != nil {
		return nil, err
	}
	_, lines, err := p.expect(250)
	if err != nil {
		return nil, err
	}
	ext := map[string]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		ext[strings.ToUpper(k)] = strings.ToUpper(v)
	}
	return ext, nil
}

// command sends one line and expects reply code want.
func (p *Pipe) command(line string, want int) error {
	p.deadline()
	p.w.WriteString(line)
	p.w.WriteString("\r\n")
	if err := p.w.Flush(); err != nil {
		return err
	}
	_, _, err := p.expect(want)
	return err
}

// expect reads a reply and fails unless its code is want.
func (p *Pipe) expect(want int) (int, []string, error) {
	code, lines, err := p.reply(true)
	if err != nil {
		return code, lines, err
	}
	if code != want {
		return code, lines, p.replyError(code, lines)
	}
	return code, lines, nil
}

// reply reads one (possibly multi-line) reply. It keeps the text of the lines
// only when keep is set, so the hot path does not allocate.
func (p *Pipe) reply(keep bool) (int, []string, error) {
	var lines []string
	code := 0
	for {
		l, err := p.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(l) < 4 || l[0] < '2' || l[0] > '5' {
			return 0, nil, errors.New("malformed SMTP reply")
		}
		c := int(l[0]-'0')*100 + int(l[1]-'0')*10 + int(l[2]-'0')
		if code != 0 && c != code {
			return 0, nil, errors.New("malformed multi-line SMTP reply")
		}
		code = c
		if keep || c >= 400 {
			lines = append(lines, strings.TrimRight(string(l[4:]), "\r\n"))
		}
		if l[3] != '-' {
			return code, lines, nil
		}
	}
}

func (p *Pipe) replyError(code int, lines []string) error {
	e := &Error{Code: code, Temporary: code >= 400 && code < 500}
	if len(lines) > 0 {
		e.Enhanced = enhancedStatus(lines[0])
	}
	e.msg = "smtp: " + strconv.Itoa(code) + " " + redact(strings.Join(lines, " "), p.cfg.Password)
	return e
}

// deadline keeps the connection's deadline timeout ahead. Moving it
// updates a runtime timer (1.5 % of the engine's CPU when done for every
// message, bench/send), so within a sixteenth of timeout of the last move
// it stays where it is: always at least 15/16 of timeout ahead.
func (p *Pipe) deadline() {
	now := time.Now()
	if p.deadlineSet.IsZero() || now.Sub(p.deadlineSet) >= p.timeout/16 {
		p.conn.SetDeadline(now.Add(p.timeout))
		p.deadlineSet = now
	}
}

// Send hands one message to the server: from is the envelope sender (a VERP
// address), to the one recipient, msg the whole message with CRLF line ends
// (Send copies and dot-stuffs it; the caller may reuse msg at once). tag
// identifies the message in Done.
//
// With PIPELINING, Send writes this message's MAIL, RCPT and DATA in one
// write together with the previous message's data, and returns without
// waiting: the replies are read by the next Send or Flush, so whatever the
// caller does in between (render the next mail, feed another Pipe) overlaps
// the round trip, and the read rarely has to wait. Outcomes thus reach Done
// in order, up to two messages late; Flush collects the rest.
//
// Send returns an error only when the connection broke: the Pipe is then
// unusable, Done has received a temporary error for every message handed
// over and not yet settled, and this message was not sent (its Done is not
// called).
func (p *Pipe) Send(tag int, from, to string, msg []byte) error {
	if p.conn == nil {
		return errors.New("email: pipe is closed")
	}
	p.deadline()
	if !p.pipelining {
		return p.sendLockstep(tag, from, to, msg)
	}
	if err := p.settle(); err != nil {
		return p.broken(err)
	}
	if p.needReset {
		p.w.WriteString("RSET\r\n")
		p.needReset, p.resetSent = false, true
	}
	p.line = p.appendMail(p.line[:0], from)
	p.w.Write(p.line)
	p.line = append(append(append(p.line[:0], "RCPT TO:<"...), to...), ">\r\nDATA\r\n"...)
	p.w.Write(p.line)
	if err := p.w.Flush(); err != nil {
		return p.broken(err)
	}
	p.held = append(p.held[:0], msg...)
	p.outstanding, p.outTag = true, tag
	return nil
}

// Ready reads the replies to the envelope last written, when the server
// pipelines, so that the next Send only writes: a caller that must hand a
// message over within a short critical section calls Ready just before.
// Outcomes reach Done as in Send. An error means the connection broke, as
// for Send.
func (p *Pipe) Ready() error {
	if p.conn == nil {
		return errors.New("email: pipe is closed")
	}
	if !p.pipelining || !p.outstanding {
		return nil
	}
	p.deadline()
	if err := p.settle(); err != nil {
		return p.broken(err)
	}
	return nil
}

// settle reads the replies to the last envelope written (and to the data
// before it) and, when the server is ready for the data, buffers it.
func (p *Pipe) settle() error {
	if !p.outstanding {
		return nil
	}
	if err := p.collect(); err != nil {
		return err
	}
	if p.resetSent {
		if _, _, err := p.reply(false); err != nil {
			return err
		}
		p.resetSent = false
	}
	mail, mailText, err := p.reply(false)
	if err != nil {
		return err
	}
	rcpt, rcptText, err := p.reply(false)
	if err != nil {
		return err
	}
	data, dataText, err := p.reply(false)
	if err != nil {
		return err
	}
	tag := p.outTag
	switch {
	case mail == 250 && rcpt >= 250 && rcpt <= 251 && data == 354:
		p.writeData(p.held)
		p.outstanding = false
		p.pending, p.pendingTag = true, tag
		return nil
	case data == 354:
		// RFC 2920 §3.1: the server took DATA although it refused the
		// envelope; an empty message ends the transaction, and is refused.
		p.w.WriteString(".\r\n")
		if err := p.w.Flush(); err != nil {
			return err
		}
		if _, _, err := p.reply(false); err != nil {
			return err
		}
	}
	p.outstanding = false
	p.needReset = true
	switch {
	case mail != 250:
		p.Done(tag, refused("MAIL", p.replyError(mail, mailText)))
	case rcpt < 250 || rcpt > 251:
		p.Done(tag, refused("RCPT", p.replyError(rcpt, rcptText)))
	default:
		p.Done(tag, refused("DATA", p.replyError(data, dataText)))
	}
	return nil
}

// sendLockstep sends a transaction waiting for each reply, for servers
// without PIPELINING.
func (p *Pipe) sendLockstep(tag int, from, to string, msg []byte) error {
	step := func(line string) (int, []string, error) {
		p.w.WriteString(line)
		if err := p.w.Flush(); err != nil {
			return 0, nil, err
		}
		return p.reply(false)
	}
	if p.needReset {
		p.needReset = false
		if _, _, err := step("RSET\r\n"); err != nil {
			return p.broken(err)
		}
	}
	for i, line := range []string{string(p.appendMail(nil, from)), "RCPT TO:<" + to + ">\r\n", "DATA\r\n"} {
		code, text, err := step(line)
		if err != nil {
			return p.broken(err)
		}
		if want := []int{250, 250, 354}[i]; code != want && !(i == 1 && code == 251) {
			p.needReset = true
			p.Done(tag, refused([]string{"MAIL", "RCPT", "DATA"}[i], p.replyError(code, text)))
			return nil
		}
	}
	p.writeData(msg)
	p.pending, p.pendingTag = true, tag
	if err := p.w.Flush(); err != nil {
		return p.broken(err)
	}
	if err := p.collect(); err != nil {
		return p.broken(err)
	}
	return nil
}

// appendMail appends the MAIL command for envelope sender from, declaring
// 8-bit content (RFC 6152) when the server offers it: messages built with
// Builder.EightBit may carry it, and the declaration is harmless for 7-bit
// ones.
func (p *Pipe) appendMail(dst []byte, from string) []byte {
	dst = append(append(append(dst, "MAIL FROM:<"...), from...), '>')
	if p.eightBit {
		dst = append(dst, " BODY=8BITMIME"...)
	}
	return append(dst, '\r', '\n')
}

// collect reads the pending reply to a message's data, if any.
func (p *Pipe) collect() error {
	if !p.pending {
		return nil
	}
	code, text, err := p.reply(false)
	if err != nil {
		return err
	}
	p.pending = false
	if code != 250 {
		p.Done(p.pendingTag, refused("DATA", p.replyError(code, text)))
		return nil
	}
	p.Done(p.pendingTag, nil)
	return nil
}

// writeData buffers msg dot-stuffed (RFC 5321 §4.5.2) and the end-of-data line.
func (p *Pipe) writeData(msg []byte) {
	if len(msg) > 0 && msg[0] == '.' {
		p.w.WriteByte('.')
	}
	for {
		i := bytes.Index(msg, []byte("\n."))
		if i < 0 {
			break
		}
		p.w.Write(msg[:i+1])
		p.w.WriteByte('.')
		msg = msg[i+1:]
	}
	p.w.Write(msg)
	if len(msg) > 0 && msg[len(msg)-1] != '\n' {
		p.w.WriteString("\r\n")
	}
	p.w.WriteString(".\r\n")
}

// broken closes the connection after an I/O error and fails the pending
// message: it may or may not have been accepted, so it is worth retrying.
func (p *Pipe) broken(err error) error {
	p.conn.Close()
	p.conn = nil
	e := &Error{Temporary: true, msg: "smtp connection lost: " + redact(err.Error(), p.cfg.Password)}
	if errors.Is(err, io.EOF) {
		e.msg = "smtp connection closed by the server"
	}
	if p.pending {
		p.pending = false
		p.Done(p.pendingTag, e)
	}
	if p.outstanding {
		p.outstanding = false
		p.Done(p.outTag, e)
	}
	return e
}

// Flush sends what is buffered and waits for the outcomes of every message
// handed over. After an error the Pipe is unusable.
func (p *Pipe) Flush() error {
	if p.conn == nil {
		return errors.New("email: pipe is closed")
	}
	if !p.pending && !p.outstanding {
		return nil
	}
	p.deadline()
	if err := p.settle(); err != nil {
		return p.broken(err)
	}
	if !p.pending {
		return nil
	}
	if err := p.w.Flush(); err != nil {
		return p.broken(err)
	}
	if err := p.collect(); err != nil {
		return p.broken(err)
	}
	return nil
}

// Close collects the pending outcome, says QUIT and closes the connection.
func (p *Pipe) Close() error {
	if p.conn == nil {
		return nil
	}
	err := p.Flush()
	if p.conn == nil {
		return err
	}
	p.deadline()
	p.w.WriteString("QUIT\r\n")
	p.w.Flush()
	p.reply(false)
	p.conn.Close()
	p.conn = nil
	return err
}

// refusal is an SMTP reply refusing a message, with the command refused.
type refusal struct {
	command string
	err     error
}

func refused(command string, err error) error { return &refusal{command, err} }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// RefusedAt returns the command whose reply refused a message Pipe sent:
// "MAIL" (the server refuses the sender, about every message alike),
// "RCPT" (it refuses the recipient: a bounce), "DATA" (it refuses the
// message itself, or its content after the data), or "" for other errors.
func RefusedAt(err error) string {
	var r *refusal
	if errors.As(err, &r) {
		return r.command
	}
	return ""
}

// EightBit reports whether the server offered 8BITMIME: messages for this
// Pipe may then be built with Builder.EightBit.
func (p *Pipe) EightBit() bool { return p.eightBit }

// Pipelining reports whether the server offered PIPELINING.
func (p *Pipe) Pipelining() bool { return p.pipelining }
