// SPDX-License-Identifier: MIT
/* config/log: see log.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/log.h"

static const char *const level_names[] = {"off", "error", "warn", "info", "debug"};

/* Set once, before any message, by the one thread that initializes. */
static enum log_level log_level;
static char log_path[PATH_MAX];

void log_setup(enum log_level level, const char *path)
{
	log_level = level;
	if (path && *path && strcmp(path, "stderr"))
		snprintf(log_path, sizeof(log_path), "%s", path);
	else
		log_path[0] = '\0';
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(s, level_names[i]))
			return (int)i;
	if (!strcmp(s, "warning"))
		return LOG_WARN;
	return -1;
}

const char *log_level_str(enum log_level level)
{
	return (unsigned int)level < sizeof(level_names) / sizeof(level_names[0])
		       ? level_names[level]
		       : "?";
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	int saved = errno, fd, n, m;
	ssize_t ignored;
	char line[1024];
	va_list ap;

	if (level == LOG_OFF || level > log_level)
		return;
	n = snprintf(line, sizeof(line), "bpfsynth[%ld]: %s: ", (long)getpid(),
		     log_level_str(level));
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + m >= (int)sizeof(line) - 1 ? (int)sizeof(line) - 2 : n + m;
	line[n++] = '\n';
	if (log_path[0]) {
		/* No symlinks: a root loader must not append to a file someone planted. */
		fd = open(log_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			ignored = write(fd, line, n);
			close(fd);
		}
	} else {
		ignored = write(STDERR_FILENO, line, n);
	}
	(void)ignored; /* a log that cannot be written has nowhere to say so */
	errno = saved;
}
