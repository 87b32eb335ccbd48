package storage

import (
	"context"
	"errors"
	"sync/atomic"

	"gorm.io/gorm"
)

// maxBatch caps one group commit, so a burst cannot hold the writer long.
const maxBatch = 256

var errClosed = errors.New("storage: store closed")

// committer is SQLite's group commit. With synchronous=FULL every commit
// costs an fsync, and the single writer can do only one at a time; so one
// goroutine takes every single-statement write waiting when the previous
// commit ends (no timer: the batch is what piled up meanwhile), runs them
// in one transaction and answers each caller after that one fsync.
type committer struct {
	db   *gorm.DB
	ops  chan *writeOp
	quit chan struct{}
	done chan struct{}

	rounds atomic.Int64 // commits attempted, one per batch (tests)
}

// writeOp is one queued single-statement write.
type writeOp struct {
	ctx  context.Context
	fn   func(db *gorm.DB) error
	done chan error // buffered: the committer never waits for a caller
}

func newCommitter(db *gorm.DB) *committer {
	return &committer{
		db:   db,
		ops:  make(chan *writeOp, maxBatch),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
}

// do queues fn and waits until it is committed or has failed. If ctx ends
// first do returns its error; the write may still be committed then, which
// for these writes (a token nobody received, a delete) is harmless.
func (c *committer) do(ctx context.Context, fn func(db *gorm.DB) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case c.ops <- op:
	case <-c.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		// Queued as the committer stopped: answered in its last drain, or never.
		select {
		case err := <-op.done:
			return err
		default:
			return errClosed
		}
	}
}

func (c *committer) run() {
	defer close(c.done)
	for {
		select {
		case op := <-c.ops:
			c.commit(c.collect(op))
		case <-c.quit:
			// Answer what was queued before close; later callers see done.
			for batch := c.collect(nil); len(batch) > 0; batch = c.collect(nil) {
				c.commit(batch)
			}
			return
		}
	}
}

// collect returns first plus whatever else is already queued, up to maxBatch.
func (c *committer) collect(first *writeOp) []*writeOp {
	batch := make([]*writeOp, 0, 32)
	if first != nil {
		batch = append(batch, first)
	}
	for len(batch) < maxBatch {
		select {
		case op := <-c.ops:
			batch = append(batch, op)
		default:
			return batch
		}
	}
	return batch
}

func (c *committer) commit(batch []*writeOp) {
	c.rounds.Add(1)
	live := batch[:0]
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil { // the caller is gone: skip
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	switch len(live) {
	case 0:
		return
	case 1: // one statement commits by itself
		live[0].done <- live[0].fn(c.db.WithContext(live[0].ctx))
		return
	}
	// One transaction, one fsync. Statement by statement: a multi-row
	// INSERT would need SQLite's statement journal inside a transaction,
	// which measured slower. Not a caller's context: one caller giving up
	// must not fail the rest.
	err := c.db.WithContext(context.Background()).Transaction(func(tx *gorm.DB) error {
		for _, op := range live {
			if err := op.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || sqliteBusyErr(err) {
		// A lock held elsewhere is nobody's fault here: retrying row by
		// row would wait busy_timeout once per row.
		for _, op := range live {
			op.done <- err
		}
		return
	}
	// The batch was rolled back. Run each write alone, so that one bad row
	// (a duplicate, a vanished client) fails only its own caller.
	for _, op := range live {
		op.done <- op.fn(c.db.WithContext(op.ctx))
	}
}

// close stops run after it has answered every queued write.
func (c *committer) close() {
	close(c.quit)
	<-c.done
}
