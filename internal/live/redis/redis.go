// Package redis is the distributed fan-out: messages go out with Redis
// PUBLISH and each process receives them on one pattern subscription
// (PSUBSCRIBE prefix+"m:*", made once, confirmed before New returns),
// then hands them to its own subscribers through a live.Hub — one Redis
// connection per process however many streams it serves.
//
// Each channel's history is a sorted set scored by message ID (a repeat is
// the same member: stored once), trimmed to Options.History, with the
// highest trimmed ID kept beside it (the "cut") so a resuming subscriber
// learns whether it missed something. One Lua script records, trims and
// publishes, so no subscriber can see a message the history lacks. Keys
// carry the channel in {braces}: a channel's keys share a Cluster slot.
//
// When the subscription connection breaks, go-redis reconnects and
// subscribes again; messages published meanwhile never arrive, so every
// local subscription is ended with live.ErrInterrupted and resumes from
// the history.
//
// It may import the standard library, internal/live and go-redis; only
// cmd/souq wires it.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/souq-market/souq/internal/live"
)

// publishScript: KEYS history, cut; ARGV id, payload, history size, keep
// (ms), pub/sub channel.
const publishScript = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[3])
if n > max then
  local last = redis.call('ZRANGE', KEYS[1], n - max - 1, n - max - 1, 'WITHSCORES')
  local cut = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tonumber(last[2]) > cut then redis.call('SET', KEYS[2], last[2]) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[2])
return 1
`

// Fanout is the Redis fan-out.
type Fanout struct {
	client  goredis.UniversalClient
	prefix  string
	opts    live.Options
	hub     *live.Hub
	publish *goredis.Script
	ps      *goredis.PubSub
	log     *slog.Logger

	stopOnce sync.Once
	done     chan struct{} // closed by Close: the receiver stops
	stopped  chan struct{} // closed when the receiver has stopped
}

var _ live.Fanout = (*Fanout)(nil)

// New subscribes to the prefix's messages and starts the receiver; prefix
// namespaces every key and channel (such as "souq:live:").
func New(ctx context.Context, client goredis.UniversalClient, prefix string, o live.Options, logger *slog.Logger) (*Fanout, error) {
	if client == nil {
		return nil, errors.New("live/redis: no client")
	}
	if logger == nil {
		logger = slog.Default()
	}
	o = o.WithDefaults()
	f := &Fanout{client: client, prefix: prefix, opts: o, hub: live.NewHub(o.Buffer), publish: goredis.NewScript(publishScript),
		log: logger, done: make(chan struct{}), stopped: make(chan struct{})}
	f.ps = client.PSubscribe(ctx, prefix+"m:*")
	if _, err := f.ps.Receive(ctx); err != nil { // the subscription's confirmation
		_ = f.ps.Close()
		return nil, fmt.Errorf("live/redis: psubscribe: %w", err)
	}
	go f.receive()
	return f, nil
}

func (f *Fanout) keys(channel string) (history, cut string) {
	return f.prefix + "h:{" + channel + "}", f.prefix + "cut:{" + channel + "}"
}

// Publish records and publishes the messages in one pipelined round trip.
func (f *Fanout) Publish(ctx context.Context, msgs ...live.Message) error {
	for _, m := range msgs {
		if !live.Valid(m.Channel) {
			return live.ErrInvalid
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	// Load the script once so the pipeline can use EVALSHA.
	if err := f.publish.Load(ctx, f.client).Err(); err != nil {
		return fmt.Errorf("live/redis: %w", err)
	}
	_, err := f.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, m := range msgs {
			body, err := json.Marshal(m)
			if err != nil {
				return err
			}
			h, c := f.keys(m.Channel)
			f.publish.EvalSha(ctx, p, []string{h, c}, m.ID, body, f.opts.History, f.opts.Keep.Milliseconds(), f.prefix+"m:"+m.Channel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("live/redis: publish: %w", err)
	}
	return nil
}

// Subscribe registers locally first, then reads the history (one pipelined
// round trip) when resuming.
func (f *Fanout) Subscribe(ctx context.Context, channel string, after uint64) (*live.Subscription, error) {
	return f.hub.Subscribe(ctx, channel, after, func(ctx context.Context) ([]live.Message, bool, error) {
		h, c := f.keys(channel)
		var zr *goredis.StringSliceCmd
		var cr *goredis.StringCmd
		_, err := f.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			zr = p.ZRangeByScore(ctx, h, &goredis.ZRangeBy{Min: "(" + strconv.FormatUint(after, 10), Max: "+inf"})
			cr = p.Get(ctx, c)
			return nil
		})
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, false, fmt.Errorf("live/redis: history of %s: %w", channel, err)
		}
		var cut uint64
		if s, err := cr.Result(); err == nil {
			if cut, err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, false, fmt.Errorf("live/redis: cut of %s: %w", channel, err)
			}
		}
		out := make([]live.Message, 0, len(zr.Val()))
		for _, s := range zr.Val() {
			var m live.Message
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return nil, false, fmt.Errorf("live/redis: history of %s: %w", channel, err)
			}
			out = append(out, m)
		}
		return out, after >= cut, nil
	})
}

// receive hands every message of the pattern subscription to the hub.
func (f *Fanout) receive() {
	defer close(f.stopped)
	ctx := context.Background()
	for {
		msg, err := f.ps.ReceiveMessage(ctx)
		select {
		case <-f.done:
			return
		default:
		}
		if err != nil {
			// go-redis reconnects and resubscribes on the next receive;
			// what was published meanwhile is lost to local subscribers.
			f.log.Warn("live fan-out: Redis subscription interrupted", slog.String("error", err.Error()))
			f.hub.Interrupt(live.ErrInterrupted)
			select {
			case <-f.done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		var m live.Message
		if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil {
			f.log.Warn("live fan-out: undecodable message", slog.String("channel", msg.Channel), slog.String("error", err.Error()))
			continue
		}
		f.hub.Dispatch(m)
	}
}

// Close ends every local subscription, stops the receiver and waits for
// it. Publish keeps working over the client, which the caller closes.
func (f *Fanout) Close() error {
	var err error
	f.stopOnce.Do(func() {
		f.hub.Close()
		close(f.done)
		err = f.ps.Close()
		<-f.stopped
	})
	return err
}

// Subscribers counts this process's subscriptions.
func (f *Fanout) Subscribers() int { return f.hub.Subscribers() }
