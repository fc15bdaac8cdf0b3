package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	gomail "github.com/wneessen/go-mail"
)

// dkimSigner signs messages; nil when DKIM is off.
type dkimSigner = *gomail.DKIMSigner

func newDKIMSigner(cfg Config) (dkimSigner, error) {
	key, err := gomail.PrivKeyFromPEM(cfg.DKIM.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("notify: DKIM key: %w", err)
	}
	if cfg.DKIM.Selector == "" {
		return nil, fmt.Errorf("notify: DKIM key given without a selector")
	}
	domain := cfg.DKIM.Domain
	if domain == "" {
		domain = domainOf(cfg.From)
	}
	s := gomail.NewDKIMSigner(domain, cfg.DKIM.Selector, key)
	s.HeaderCanonicalization(gomail.CanonicalizationRelaxed)
	s.BodyCanonicalization(gomail.CanonicalizationRelaxed)
	if err := s.ValidateConfig(); err != nil {
		return nil, fmt.Errorf("notify: DKIM: %w", err)
	}
	return s, nil
}

// MessageIDHeader is the Message-ID header value (without angle brackets)
// of the message with this outbox id: derived from the id alone, so every
// delivery of one message carries the same Message-ID and a receiving
// server or mail client can drop a duplicate.
func MessageIDHeader(id, domain string) string {
	sum := sha256.Sum256([]byte(id))
	return "ratify." + hex.EncodeToString(sum[:16]) + "@" + domain
}

// compose builds the email for a stored message.
func (o *Outbox) compose(d *messageDoc, now time.Time) (*gomail.Msg, string, error) {
	r, err := o.render(d.Template, d.Data, d.Secret, d.ToName)
	if err != nil {
		return nil, "", err
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP), gomail.WithNoDefaultUserAgent())
	if err := m.From(o.cfg.From); err != nil {
		return nil, "", fmt.Errorf("from address %q: %w", o.cfg.From, err)
	}
	if d.ToName != "" {
		err = m.AddToFormat(d.ToName, d.To)
	} else {
		err = m.AddTo(d.To)
	}
	if err != nil {
		return nil, "", fmt.Errorf("recipient address %q: %w", d.To, err)
	}
	if o.cfg.ReplyTo != "" {
		if err := m.ReplyTo(o.cfg.ReplyTo); err != nil {
			return nil, "", fmt.Errorf("reply-to address %q: %w", o.cfg.ReplyTo, err)
		}
	}
	domain := domainOf(o.cfg.From)
	id := MessageIDHeader(d.ID, domain)
	m.Subject(r.Subject)
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(now)
	m.SetUserAgent("Ratify")
	// Mark the message as automated so that out-of-office replies are not
	// sent back, which mailbox providers also read as a sign of
	// legitimate bulk mail.
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader(gomail.Header("X-Ratify-Campaign"), d.Campaign)
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	if d.Template == TemplateMeeting {
		cal, err := o.meetingICS(d)
		if err != nil {
			return nil, "", err
		}
		if err := m.AttachReader("meeting.ics", bytes.NewReader(cal),
			gomail.WithFileContentType("text/calendar; method=PUBLISH; charset=UTF-8")); err != nil {
			return nil, "", fmt.Errorf("attach calendar: %w", err)
		}
	}
	if o.dkim != nil {
		m.SetDKIM(o.dkim)
	}
	return m, id, nil
}

// meetingICS is the iCalendar file of a meeting notice: one event,
// published (no replies expected), identified by the meeting so that a
// calendar updates rather than duplicates it.
func (o *Outbox) meetingICS(d *messageDoc) ([]byte, error) {
	v := map[string]any{}
	for k, x := range d.Data {
		v[k] = normalize(x, time.UTC)
	}
	start, ok1 := v["starts_at"].(time.Time)
	end, ok2 := v["ends_at"].(time.Time)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("meeting calendar: starts_at and ends_at must be times")
	}
	title, _ := v["title"].(string)
	uidPart, _ := v["meeting_id"].(string)
	if uidPart == "" {
		uidPart = d.Campaign
	}
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//Ratify//Meeting notices//EN")
	ev := cal.AddEvent("meeting-" + uidPart + "@" + domainOf(o.cfg.From))
	ev.SetDtStampTime(o.cfg.Now().UTC())
	ev.SetSequence(0)
	ev.SetStartAt(start.UTC())
	ev.SetEndAt(end.UTC())
	ev.SetSummary(icsText(title))
	desc, _ := v["description"].(string)
	if url, _ := v["url"].(string); url != "" {
		ev.SetURL(url)
		ev.SetLocation(url)
		if desc != "" {
			desc += "\n\n"
		}
		desc += "Join: " + url
	}
	if desc != "" {
		ev.SetDescription(icsText(desc))
	}
	ev.SetOrganizer("mailto:"+addressOf(o.cfg.From), ics.WithCN(o.cfg.Union))
	return []byte(cal.Serialize(ics.WithNewLineWindows)), nil // RFC 5545: CRLF line ends
}

// icsText turns every line break (CRLF, CR) into LF, which golang-ical
// escapes as \n in a text value; it leaves a CR as is, and some calendars
// read a bare CR as the end of a line, so that the text after it (a
// meeting's title or description, as an officer typed it) would become a
// property of the event.
func icsText(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}

func addressOf(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return s
}
