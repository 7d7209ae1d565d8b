/* SPDX-License-Identifier: MIT */
/*
 * config/log: the one logger, for code that runs inside someone else's
 * process (the preload).  Off by default; BPFSYNTH_LOG turns it on.
 *
 * A message is one line "bpfsynth[PID]: LEVEL: text" written with a single
 * write() to stderr or appended to a file (opened and closed around each
 * message, so no fd stays open in the host process).  Never stdout.  errno is
 * the same after a log_*() call as before it.
 */
#ifndef BPFSYNTH_CONFIG_LOG_H
#define BPFSYNTH_CONFIG_LOG_H

enum log_level {
	LOG_OFF,
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Level and destination (NULL or "" or "stderr": stderr; else a file path). */
void log_setup(enum log_level level, const char *path);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* "off", "error", "warn", "info", "debug" <-> level; -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_str(enum log_level level);

#endif
