package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// BackupDirName is the folder, beside the database, that holds the copies taken before migrations.
const BackupDirName = "backups"

// keepBackups is how many pre-migration copies are kept; older ones are removed. A few cover a
// run of upgrades without letting copies of a large history pile up.
const keepBackups = 3

// backupBeforeMigration writes a consistent copy of the database at path (schema version from)
// to backups/history-v{from}-{time}.db. VACUUM INTO reads through SQLite, so the copy includes
// what is still in the WAL and is itself a complete database that opens on its own.
func backupBeforeMigration(ctx context.Context, db *gorm.DB, path string, from int) error {
	dir := filepath.Join(filepath.Dir(path), BackupDirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("back up before migrating: %w", err)
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	dst := filepath.Join(dir, fmt.Sprintf("%s-v%d-%s.db", base, from, now().Format("20060102T150405.000000Z")))
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", dst).Error; err != nil {
		os.Remove(dst)
		return fmt.Errorf("back up to %s before migrating (the database was left unchanged): %w", dst, err)
	}
	pruneBackups(dir, base)
	return nil
}

// pruneBackups keeps the newest keepBackups copies. The names sort by time, so the oldest come
// first. Failing to remove one only costs disk space.
func pruneBackups(dir, base string) {
	matches, err := filepath.Glob(filepath.Join(dir, base+"-v*.db"))
	if err != nil || len(matches) <= keepBackups {
		return
	}
	slices.SortFunc(matches, func(a, b string) int {
		return strings.Compare(timePart(a), timePart(b))
	})
	for _, m := range matches[:len(matches)-keepBackups] {
		os.Remove(m)
	}
}

// timePart is the time stamp at the end of a backup's name (after the version, which may have
// any number of digits and so does not sort as text).
func timePart(name string) string {
	name = strings.TrimSuffix(filepath.Base(name), ".db")
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		return name[i+1:]
	}
	return name
}
