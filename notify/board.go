package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ratifyhq/ratify/errs"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Collections the board owns. Both stay small (a few documents per vote),
// so they are read whole.
const (
	collMeetings = "meetings"
	collNotices  = "notices"
)

// Recipient is a member who receives notices.
type Recipient struct {
	ID    string // stable member id, part of each message's id
	Email string
	Name  string
}

// Audience lists the members who receive meeting and status notices.
type Audience interface {
	Recipients(ctx context.Context) ([]Recipient, error)
}

// AudienceFunc adapts a function to Audience.
type AudienceFunc func(ctx context.Context) ([]Recipient, error)

// Recipients calls f.
func (f AudienceFunc) Recipients(ctx context.Context) ([]Recipient, error) { return f(ctx) }

// Board holds the officers' Q&A meetings and contract status updates, and
// sends each one to the members through the outbox.
type Board struct {
	meetings *mongo.Collection
	notices  *mongo.Collection
	db       *mongo.Database
	outbox   *Outbox
	audience Audience
	now      func() time.Time
}

// NewBoard returns a board that mails through outbox to audience; with a
// nil audience, posts are recorded and mailed to nobody.
func NewBoard(db *mongo.Database, outbox *Outbox, audience Audience) *Board {
	return &Board{meetings: db.Collection(collMeetings), notices: db.Collection(collNotices),
		db: db, outbox: outbox, audience: audience, now: outbox.cfg.Now}
}

// EnsureIndexes creates the board's collections.
func (b *Board) EnsureIndexes(ctx context.Context) error {
	return ensureCollections(ctx, b.db, collMeetings, collNotices)
}

// MeetingInput is what an officer posts for a Q&A meeting.
type MeetingInput struct {
	Title           string    `json:"title"`
	StartsAt        time.Time `json:"starts_at"`
	DurationMinutes int       `json:"duration_minutes"`
	URL             string    `json:"url"`         // video-call link, optional
	VoteID          string    `json:"vote_id"`     // the vote it belongs to, optional
	VoteTitle       string    `json:"vote_title"`  // shown in the notice, optional
	Description     string    `json:"description"` // optional
}

// Meeting is a posted Q&A meeting.
type Meeting struct {
	ID          string    `bson:"_id" json:"id"`
	Title       string    `bson:"title" json:"title"`
	StartsAt    time.Time `bson:"starts_at" json:"starts_at"`
	EndsAt      time.Time `bson:"ends_at" json:"ends_at"`
	URL         string    `bson:"url,omitempty" json:"url,omitempty"`
	VoteID      string    `bson:"vote_id,omitempty" json:"vote_id,omitempty"`
	VoteTitle   string    `bson:"vote_title,omitempty" json:"vote_title,omitempty"`
	Description string    `bson:"description,omitempty" json:"description,omitempty"`
	PostedBy    string    `bson:"posted_by" json:"-"`
	PostedAt    time.Time `bson:"posted_at" json:"posted_at"`
	Campaign    string    `bson:"campaign" json:"campaign"`
	Recipients  int       `bson:"recipients" json:"recipients"`
}

// NoticeInput is a contract status update an officer posts.
type NoticeInput struct {
	Title  string `json:"title"`
	Body   string `json:"body"`
	VoteID string `json:"vote_id"` // optional
}

// Notice is a posted status update, shown on the public timeline.
type Notice struct {
	ID         string    `bson:"_id" json:"id"`
	Title      string    `bson:"title" json:"title"`
	Body       string    `bson:"body" json:"body"`
	VoteID     string    `bson:"vote_id,omitempty" json:"vote_id,omitempty"`
	PostedBy   string    `bson:"posted_by" json:"-"`
	PostedAt   time.Time `bson:"posted_at" json:"posted_at"`
	Campaign   string    `bson:"campaign" json:"campaign"`
	Recipients int       `bson:"recipients" json:"recipients"`
}

func (in *MeetingInput) check() error {
	in.Title, in.URL, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.URL), strings.TrimSpace(in.Description)
	switch {
	case in.Title == "":
		return errs.Field("title", "is required")
	case len(in.Title) > 200:
		return errs.Field("title", "is longer than 200 characters")
	case in.StartsAt.IsZero():
		return errs.Field("starts_at", "is required (RFC 3339, e.g. 2021-06-21T17:00:00-08:00)")
	case in.DurationMinutes < 1 || in.DurationMinutes > 600:
		return errs.Field("duration_minutes", "must be between 1 and 600, got %d", in.DurationMinutes)
	case len(in.Description) > 4000:
		return errs.Field("description", "is longer than 4000 characters")
	}
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errs.Field("url", "%q is not an http(s) link", in.URL)
		}
	}
	return nil
}

func (in *NoticeInput) check() error {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	switch {
	case in.Title == "":
		return errs.Field("title", "is required")
	case len(in.Title) > 200:
		return errs.Field("title", "is longer than 200 characters")
	case in.Body == "":
		return errs.Field("body", "is required")
	case len(in.Body) > 10000:
		return errs.Field("body", "is longer than 10000 characters")
	}
	return nil
}

func newID(prefix string, now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return prefix + strconv.FormatInt(now.Unix(), 36) + hex.EncodeToString(b[:])
}

// PostMeeting records a meeting and queues its notice, with a calendar
// invitation, to every member. by names the officer, for the record.
func (b *Board) PostMeeting(ctx context.Context, in MeetingInput, by string) (Meeting, error) {
	if err := in.check(); err != nil {
		return Meeting{}, err
	}
	now := b.now().UTC()
	m := Meeting{ID: newID("m", now), Title: in.Title, StartsAt: in.StartsAt.UTC(),
		EndsAt: in.StartsAt.UTC().Add(time.Duration(in.DurationMinutes) * time.Minute), URL: in.URL,
		VoteID: in.VoteID, VoteTitle: in.VoteTitle, Description: in.Description, PostedBy: by, PostedAt: now}
	m.Campaign = "meeting:" + m.ID
	if _, err := b.meetings.InsertOne(ctx, m); err != nil {
		return Meeting{}, fmt.Errorf("notify: post meeting: %w", err)
	}
	data := map[string]any{"meeting_id": m.ID, "title": m.Title, "starts_at": m.StartsAt, "ends_at": m.EndsAt,
		"url": m.URL, "vote_id": m.VoteID, "vote_title": m.VoteTitle, "description": m.Description}
	n, err := b.fanOut(ctx, m.Campaign, "meeting:"+m.ID, TemplateMeeting, data)
	if err != nil {
		return m, err
	}
	m.Recipients = n
	_, err = b.meetings.UpdateOne(ctx, bson.M{"_id": m.ID}, bson.M{"$set": bson.M{"recipients": n}})
	return m, err
}

// PostNotice records a status update for the timeline and queues it to
// every member.
func (b *Board) PostNotice(ctx context.Context, in NoticeInput, by string) (Notice, error) {
	if err := in.check(); err != nil {
		return Notice{}, err
	}
	now := b.now().UTC()
	n := Notice{ID: newID("n", now), Title: in.Title, Body: in.Body, VoteID: in.VoteID, PostedBy: by, PostedAt: now}
	n.Campaign = "notice:" + n.ID
	if _, err := b.notices.InsertOne(ctx, n); err != nil {
		return Notice{}, fmt.Errorf("notify: post notice: %w", err)
	}
	data := map[string]any{"notice_id": n.ID, "title": n.Title, "body": n.Body, "posted_at": n.PostedAt, "vote_id": n.VoteID}
	count, err := b.fanOut(ctx, n.Campaign, "notice:"+n.ID, TemplateStatusUpdate, data)
	if err != nil {
		return n, err
	}
	n.Recipients = count
	_, err = b.notices.UpdateOne(ctx, bson.M{"_id": n.ID}, bson.M{"$set": bson.M{"recipients": count}})
	return n, err
}

// fanOut queues one message per member; members without a usable address
// are skipped. Message ids are "{prefix}:{member id}", so a repeated
// fan-out queues nothing twice.
func (b *Board) fanOut(ctx context.Context, campaign, prefix, tmpl string, data map[string]any) (int, error) {
	if b.audience == nil {
		return 0, nil
	}
	rs, err := b.audience.Recipients(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify: recipients: %w", err)
	}
	msgs := make([]Message, 0, len(rs))
	for _, r := range rs {
		if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || r.ID == "" {
			continue
		}
		msgs = append(msgs, Message{ID: prefix + ":" + r.ID, Campaign: campaign, To: r.Email,
			ToName: strings.ReplaceAll(strings.ReplaceAll(r.Name, "\r", " "), "\n", " "), Template: tmpl, Data: data})
	}
	if err := b.outbox.Enqueue(ctx, msgs...); err != nil {
		return 0, err
	}
	return len(msgs), nil
}

// Meetings lists meetings by start time: those of one vote, or all when
// voteID is empty.
func (b *Board) Meetings(ctx context.Context, voteID string) ([]Meeting, error) {
	filter := bson.M{}
	if voteID != "" {
		filter["vote_id"] = voteID
	}
	var out []Meeting
	cur, err := b.meetings.Find(ctx, filter)
	if err == nil {
		err = cur.All(ctx, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: meetings: %w", err)
	}
	slices.SortFunc(out, func(a, c Meeting) int { return a.StartsAt.Compare(c.StartsAt) })
	return out, nil
}

// MeetingData is the "meetings" value the invitation and reminder
// templates take.
func MeetingData(ms []Meeting) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"title": m.Title, "starts_at": m.StartsAt, "url": m.URL}
	}
	return out
}

// Timeline lists the status updates, newest first.
func (b *Board) Timeline(ctx context.Context) ([]Notice, error) {
	var out []Notice
	cur, err := b.notices.Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: timeline: %w", err)
	}
	slices.SortFunc(out, func(a, c Notice) int { return c.PostedAt.Compare(a.PostedAt) })
	return out, nil
}
