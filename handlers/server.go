package handlers

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/ratifyhq/ratify/web"
)

// Config is what the HTTP layer needs from cmd.
type Config struct {
	BaseURL string
	Logger  *slog.Logger
	// Ready reports whether the store answers; /readyz calls it.
	Ready func(context.Context) error
	// RequestTimeout bounds each request's context (default 15 s).
	RequestTimeout time.Duration
	// UploadLimit bounds any request body, file uploads included (default 32 MiB).
	UploadLimit int
	// JSONLimit bounds non-multipart bodies (default 1 MiB).
	JSONLimit int
	// Votes runs votes and takes ballots.
	Votes Votes
	// CastPerIPPerMinute limits ballots from one IP (0: no limit).
	CastPerIPPerMinute int
	// Notifications reports and retries member email (notify.Outbox).
	Notifications Notifications
	// Board posts Q&A meetings and status updates (notify.Board).
	Board NoticeBoard
	// NotificationAudit records officers' notification actions (audit.Log).
	NotificationAudit notificationAudit
	// DevMailDir is the file-mode mail directory shown at /dev/mail; empty
	// (SMTP configured) hides that page.
	DevMailDir string
	// Contracts serves the agreements and their calculators (contracts.Library).
	Contracts Contracts
	// ContractVersions publishes uploaded agreement versions and moves their
	// status (contracts.Store); nil leaves the officers' endpoints out.
	ContractVersions ContractVersions
	// ContractAudit records officers' contract actions (audit.Log).
	ContractAudit contractAudit
	// Secret is the service secret, for handlers that sign values.
	Secret []byte
	// Officers keeps officers' accounts and sessions (officers.Store); nil
	// leaves sign-in out, and requireRole then refuses everything.
	Officers Officers
	// Members keeps the roster (members.Store).
	Members Roster
	// Audit is the audit log (audit.Log).
	Audit AuditLog
	// Durability holds each answer until the writes it may report are
	// durable (store.Store in group commit mode); nil: every write already
	// is when it returns.
	Durability Durability
	// TrustedProxies are the reverse proxies or load balancers whose
	// X-Forwarded-For is believed (handlers/clientip.go); empty: the TCP
	// peer is the client.
	TrustedProxies []netip.Prefix
	// Location is the union's time zone (RATIFY_TIMEZONE), for pages that
	// show times outside any vote; nil means UTC.
	Location *time.Location
}

// Durability is the store's group commit (store.Store): no answer leaves
// before the writes it may report are on the disk.
type Durability interface {
	// Durable returns once every write finished so far is on the disk.
	Durable(context.Context) error
	// SyncFailed is a final disk failure: nothing can be saved any more.
	SyncFailed() error
}

// Server is the HTTP layer: a Fiber app and what its handlers call.
type Server struct {
	cfg    Config
	log    *slog.Logger
	app    *fiber.App
	pages  *pages
	limits limiter
	// store is the store's health when GateOnStore was called, else nil.
	store atomic.Pointer[StoreHealth]
}

// New builds the app with every route.
func New(cfg Config) (*Server, error) {
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if cfg.UploadLimit == 0 {
		cfg.UploadLimit = 32 << 20
	}
	if cfg.JSONLimit == 0 {
		cfg.JSONLimit = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p, err := loadPages(web.Templates, web.Static)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, pages: p}
	s.app = fiber.New(fiber.Config{
		AppName:               "ratify",
		DisableStartupMessage: true,
		BodyLimit:             cfg.UploadLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           90 * time.Second,
		ReadBufferSize:        16 << 10,
		ErrorHandler:          s.errorHandler,
	})
	s.routes()
	return s, nil
}

// App returns the Fiber app.
func (s *Server) App() *fiber.App { return s.app }

func (s *Server) routes() {
	a := s.app
	a.Use(s.requestContext)
	a.Use(securityHeaders(strings.HasPrefix(s.cfg.BaseURL, "https://")))
	a.Use(jsonBodyLimit(s.cfg.JSONLimit))
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Use("/static", filesystem.New(filesystem.Config{Root: httpFS(web.Static), MaxAge: 31536000}))
	api := a.Group("/api/v1")
	// Each resource registers its routes from its own file, one line here.
	_ = api
	if s.cfg.Votes != nil {
		s.voteRoutes(api)
		s.ballotRoutes(a, api)
	}
	s.notificationRoutes(a, api)
	if s.cfg.Contracts != nil {
		s.contractRoutes(a, api)
	}
	s.authRoutes(a, api)
	s.memberRoutes(api)
	s.officerRoutes(api)
	s.auditRoutes(api)
	s.pageHomeRoutes(a)
	s.pageResultsRoutes(a)
	s.pageOfficerRoutes(a)
	s.pageOfficerAdminRoutes(a)
	s.pageOfficerVoteRoutes(a)
	a.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
