/* fsutil.h - crash-safe file operations.
 *
 * Every file hpsearch replaces is written to a temporary name in the same
 * directory, fsynced, renamed over the old one, and the directory fsynced:
 * a kill -9 at any instant leaves either the old or the new file, whole.
 * Writes never follow a symbolic link planted at the destination
 * (O_NOFOLLOW), and files are created with the caller's mode filtered by
 * the user's umask, so group-shared directories keep working.
 *
 * Fault injection (tests): HPS_FAULT_WRITE=N makes the Nth durable write of
 * the process fail with EIO (HPS_FAULT_ERRNO=ENOSPC or EDQUOT for those;
 * HPS_FAULT_KILL=N: the process kills itself with SIGKILL just before
 * it), so tests can stop a command at every durable-write boundary in
 * turn.  "N@VERB" aims at the process running that verb only (run, exec,
 * reap...); HPS_FAULT_TRACE=FILE appends "VERB N PATH" per durable write.
 *
 * Errors: -1 with err set; the message names the file.
 */
#ifndef HPS_FSUTIL_H
#define HPS_FSUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

int fs_write_atomic(const char *path, const void *buf, size_t len,
		    mode_t mode, struct hps_error *err);

/* fs_write_json: sorted keys, two-space indent, a final newline. */
int fs_write_json(const char *path, const json_t *j, struct hps_error *err);

/* fs_read_file: the whole file (NUL-terminated; caller frees), refused
 * above max bytes. */
char *fs_read_file(const char *path, size_t max, size_t *len,
		   struct hps_error *err);

/* fs_read_json: NULL with err naming the file and the place of a JSON
 * error. */
json_t *fs_read_json(const char *path, struct hps_error *err);

/* fs_append: one write(2) of buf (O_APPEND) then fsync. */
int fs_append(const char *path, const void *buf, size_t len,
	      struct hps_error *err);

/* Modes hpsearch creates with; the umask applies on top, and write for
 * others is masked off whatever the umask: group-shared project
 * directories work, nothing is ever world-writable. */
#define FS_FILE_MODE 0664
#define FS_EXEC_MODE 0775
#define FS_DIR_MODE 0775
#define FS_NOT_WORLD ((mode_t)~(mode_t)0002)

int fs_mkdir_p(const char *path, mode_t mode, struct hps_error *err);

/* fs_mkdir_below: create path (which must start with base) below base,
 * refusing any symbolic link among the components after base. */
int fs_mkdir_below(const char *base, const char *path, struct hps_error *err);
int fs_fsync_dir(const char *dir, struct hps_error *err);

/* fs_create_excl: create path with O_EXCL and write buf; 1 created, 0 it
 * already existed, -1 error.  The claim of a trial run rests on this. */
int fs_create_excl(const char *path, const void *buf, size_t len,
		   struct hps_error *err);

bool fs_exists(const char *path);

/* fs_fault: the injection point, called before each durable write. */
int fs_fault(const char *what, struct hps_error *err);

/* fs_join: "a" + "/" + "b" (caller frees). */
char *fs_join(const char *a, const char *b);

#endif
