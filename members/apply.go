package members

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const (
	// applyBatch is how many members one worker writes at a time.
	applyBatch = 1000
	// applyWorkers write batches concurrently.
	applyWorkers = 2
	// maxBulk is the most statements in one update or delete command:
	// FerretDB 1.24 stops answering an update command of 100 statements.
	maxBulk = 50
)

// apply writes the members of an import. Each member is written in the
// same order: member document, email index, roster index entry last. The
// import compares files with the roster index, so a member whose writes
// were cut short by a crash still differs from the file, and the next run
// of the same import writes it again: imports converge.
func (s *Store) apply(ctx context.Context, writes []memberOut, progress func(done int)) error {
	now := s.Now().UTC()
	batches := make(chan []memberOut)
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < applyWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				err := s.applyBatch(ctx, b, now)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				done += len(b)
				d := done
				mu.Unlock()
				if err == nil {
					progress(d)
				}
			}
		}()
	}
	for i := 0; i < len(writes); i += applyBatch {
		select {
		case batches <- writes[i:min(i+applyBatch, len(writes))]:
		case <-ctx.Done():
		}
	}
	close(batches)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("members: import: %w", firstErr)
	}
	return ctx.Err()
}

func (s *Store) applyBatch(ctx context.Context, b []memberOut, now time.Time) error {
	var (
		newMembers, newEmails, newDigests []any
		memberUpd, emailUpd, digestUpd    []mongo.WriteModel
		oldEmails                         []emailDoc
	)
	for _, w := range b {
		m := w.a.member()
		m.CreatedAt, m.UpdatedAt = now, now
		id, e := w.a[aEmployeeID], w.a[aEmail]
		if !w.exists {
			newMembers = append(newMembers, docOf(m))
			if e != "" {
				newEmails = append(newEmails, emailDoc{ID: e, EmployeeID: id})
			}
			newDigests = append(newDigests, digestOf(w.a))
			continue
		}
		memberUpd = append(memberUpd, memberUpsert(m))
		if e != w.old[aEmail] {
			if e != "" {
				emailUpd = append(emailUpd, mongo.NewReplaceOneModel().SetFilter(byID(e)).
					SetReplacement(emailDoc{ID: e, EmployeeID: id}).SetUpsert(true))
			}
			if w.old[aEmail] != "" {
				oldEmails = append(oldEmails, emailDoc{ID: w.old[aEmail], EmployeeID: id})
			}
		}
		digestUpd = append(digestUpd, mongo.NewReplaceOneModel().SetFilter(byID(id)).
			SetReplacement(digestOf(w.a)).SetUpsert(true))
	}
	// Members first.
	dups, err := insertMany(ctx, s.members, newMembers)
	if err != nil {
		return err
	}
	for _, i := range dups { // written by an earlier, interrupted run
		m := newMembers[i].(memberDoc).member()
		memberUpd = append(memberUpd, memberUpsert(m))
	}
	if err := bulkWrite(ctx, s.members, memberUpd); err != nil {
		return err
	}
	// Then the email index: new addresses, then stale ones removed.
	if dups, err = insertMany(ctx, s.emails, newEmails); err != nil {
		return err
	}
	for _, i := range dups {
		d := newEmails[i].(emailDoc)
		emailUpd = append(emailUpd, mongo.NewReplaceOneModel().SetFilter(byID(d.ID)).SetReplacement(d).SetUpsert(true))
	}
	if err := bulkWrite(ctx, s.emails, emailUpd); err != nil {
		return err
	}
	for _, old := range oldEmails {
		if err := s.releaseEmail(ctx, old.ID, old.EmployeeID); err != nil {
			return err
		}
	}
	// The roster index last: it records that the member is written.
	if dups, err = insertMany(ctx, s.digests, newDigests); err != nil {
		return err
	}
	for _, i := range dups {
		d := newDigests[i].(digestDoc)
		digestUpd = append(digestUpd, mongo.NewReplaceOneModel().SetFilter(byID(d.ID)).SetReplacement(d).SetUpsert(true))
	}
	return bulkWrite(ctx, s.digests, digestUpd)
}

// memberUpsert sets every attribute of m, keeping the creation time of an
// existing document.
func memberUpsert(m Member) mongo.WriteModel {
	d := docOf(m)
	set := bson.D{
		{Key: "first_name", Value: d.FirstName}, {Key: "last_name", Value: d.LastName}, {Key: "email", Value: d.Email},
		{Key: "phone", Value: d.Phone}, {Key: "address", Value: d.Address}, {Key: "city", Value: d.City},
		{Key: "state", Value: d.State}, {Key: "postal_code", Value: d.PostalCode}, {Key: "range", Value: d.Range},
		{Key: "step", Value: d.Step}, {Key: "work_location", Value: d.WorkLocation}, {Key: "title", Value: d.Title},
		{Key: "work_days", Value: d.WorkDays}, {Key: "fte", Value: d.FTE}, {Key: "hire_date", Value: d.HireDate},
		{Key: "status", Value: d.Status}, {Key: "separated", Value: d.Separated}, {Key: "separated_on", Value: d.SeparatedOn},
		{Key: "separation_reason", Value: d.SeparationReason}, {Key: "updated_at", Value: d.UpdatedAt},
	}
	return mongo.NewUpdateOneModel().SetFilter(byID(d.ID)).SetUpsert(true).SetUpdate(bson.D{
		{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "created_at", Value: d.CreatedAt}}},
	})
}

// releaseEmail removes the index entry of email if it still names id.
func (s *Store) releaseEmail(ctx context.Context, email, id string) error {
	var d emailDoc
	err := s.emails.FindOne(ctx, byID(email)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && d.EmployeeID != id) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release email: %w", err)
	}
	if _, err := s.emails.DeleteOne(ctx, byID(email)); err != nil {
		return fmt.Errorf("release email: %w", err)
	}
	return nil
}

// insertMany inserts docs and returns the indexes of those whose _id
// existed already.
func insertMany(ctx context.Context, c *mongo.Collection, docs []any) ([]int, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	_, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, fmt.Errorf("insert into %s: %w", c.Name(), err)
	}
	var dups []int
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 { // duplicate key
			return nil, fmt.Errorf("insert into %s: %w", c.Name(), err)
		}
		dups = append(dups, we.Index)
	}
	return dups, nil
}

// bulkWrite runs models in commands of at most maxBulk statements.
func bulkWrite(ctx context.Context, c *mongo.Collection, models []mongo.WriteModel) error {
	for i := 0; i < len(models); i += maxBulk {
		if _, err := c.BulkWrite(ctx, models[i:min(i+maxBulk, len(models))], options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write %s: %w", c.Name(), err)
		}
	}
	return nil
}
