// SPDX-License-Identifier: MIT
/*
 * Unit tests of config/: defaults < file < environment, errors that point at
 * the line and column and leave usable settings, filters, and the logger.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/bpf.h>

#include "config/config.h"
#include "tests/test.h"

static const char *const vars[] = {"BPFSYNTH_MODE", "BPFSYNTH_CACHE_DIR", "BPFSYNTH_BUDGET",
				   "BPFSYNTH_LOG",  "BPFSYNTH_MIN_INSNS", "BPFSYNTH_CONFIG"};

static void clear_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static char cfg_path[64];

/* Write @text to a temp file and point BPFSYNTH_CONFIG at it. */
static void write_config(const char *text)
{
	int fd;

	snprintf(cfg_path, sizeof(cfg_path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(cfg_path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	setenv("BPFSYNTH_CONFIG", cfg_path, 1);
}

static void test_defaults(void)
{
	char msg[CONFIG_MSG_SIZE];
	struct config c;

	clear_env();
	setenv("BPFSYNTH_CONFIG", "", 1); /* the default path, which may not exist */
	ASSERT_OK(config_load(&c, msg, sizeof(msg)), msg);
	ASSERT_EQ(c.mode, CONFIG_MODE_ASYNC, "default mode is async");
	ASSERT_EQ(c.log_level, LOG_OFF, "silent by default");
	ASSERT_EQ(c.min_insns, CONFIG_DEFAULT_MIN_INSNS, "default minimum size");
	if (geteuid() == 0)
		ASSERT_STREQ(c.cache_dir, "/var/cache/bpfsynth", "root's cache dir");
	config_defaults(&c);
	ASSERT_TRUE(c.cache_dir[0] == '/', "an absolute cache dir");
}

static void test_user_cache_dir(void)
{
	struct config c;
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		setenv("XDG_CACHE_HOME", "/x/cache", 1);
		config_defaults(&c);
		ASSERT_STREQ(c.cache_dir, "/x/cache/bpfsynth", "XDG_CACHE_HOME");
		return;
	}
	/* Drop to nobody in a child to see the non-root defaults. */
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		setenv("XDG_CACHE_HOME", "/x/cache", 1);
		config_defaults(&c);
		if (strcmp(c.cache_dir, "/x/cache/bpfsynth"))
			_exit(1);
		unsetenv("XDG_CACHE_HOME");
		setenv("HOME", "/home/u", 1);
		config_defaults(&c);
		_exit(strcmp(c.cache_dir, "/home/u/.cache/bpfsynth") ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "non-root: $XDG_CACHE_HOME/bpfsynth, else ~/.cache/bpfsynth");
}

static void test_file_then_env(void)
{
	char msg[CONFIG_MSG_SIZE];
	struct config c;

	clear_env();
	write_config("{\n  \"mode\": \"cache\",\n  \"cache_dir\": \"/srv/bpfsynth\",\n"
		     "  \"budget\": \"1500ms\",\n  \"log\": \"info:/tmp/x.log\",\n"
		     "  \"min_insns\": 4,\n"
		     "  \"include\": {\"types\": [\"xdp\", \"sched_cls\"]},\n"
		     "  \"exclude\": {\"names\": [\"probe_*\"]}\n}\n");
	ASSERT_OK(config_load(&c, msg, sizeof(msg)), msg);
	ASSERT_EQ(c.mode, CONFIG_MODE_CACHE, "file: mode");
	ASSERT_STREQ(c.cache_dir, "/srv/bpfsynth", "file: cache_dir");
	ASSERT_EQ(c.budget_ms, 1500, "file: budget");
	ASSERT_EQ(c.log_level, LOG_INFO, "file: log level");
	ASSERT_STREQ(c.log_path, "/tmp/x.log", "file: log file");
	ASSERT_EQ(c.min_insns, 4, "file: min_insns");
	ASSERT_STREQ(c.file, cfg_path, "which file was read");
	ASSERT_TRUE(config_wants(&c, "xdp_prog", BPF_PROG_TYPE_XDP, 10), "included type");
	ASSERT_FALSE(config_wants(&c, "kp", BPF_PROG_TYPE_KPROBE, 10), "type not included");
	ASSERT_FALSE(config_wants(&c, "probe_x", BPF_PROG_TYPE_XDP, 10), "excluded name");
	ASSERT_FALSE(config_wants(&c, "xdp_prog", BPF_PROG_TYPE_XDP, 3), "under min_insns");

	setenv("BPFSYNTH_MODE", "sync", 1);
	setenv("BPFSYNTH_CACHE_DIR", "/tmp/other", 1);
	setenv("BPFSYNTH_BUDGET", "2s", 1);
	setenv("BPFSYNTH_LOG", "debug", 1);
	setenv("BPFSYNTH_MIN_INSNS", "100", 1);
	ASSERT_OK(config_load(&c, msg, sizeof(msg)), msg);
	ASSERT_EQ(c.mode, CONFIG_MODE_SYNC, "env beats file: mode");
	ASSERT_STREQ(c.cache_dir, "/tmp/other", "env beats file: cache_dir");
	ASSERT_EQ(c.budget_ms, 2000, "env beats file: budget");
	ASSERT_EQ(c.log_level, LOG_DEBUG, "env beats file: log");
	ASSERT_STREQ(c.log_path, "", "env: log to stderr");
	ASSERT_EQ(c.min_insns, 100, "env beats file: min_insns");
	ASSERT_TRUE(c.include.any, "file's include kept");
	setenv("BPFSYNTH_MODE", "off", 1);
	config_load(&c, msg, sizeof(msg));
	ASSERT_FALSE(config_wants(&c, "xdp_prog", BPF_PROG_TYPE_XDP, 1000), "off wants nothing");
	unlink(cfg_path);
	clear_env();
}

static void test_file_errors(void)
{
	static const struct {
		const char *text;
		const char *want; /* in the message */
	} bad[] = {
		{"{\n  \"mode\": \"cache\",\n  \"budget\": 3,,\n}\n", ":3:"},
		{"{\"mode\": \"fast\"}", "\"mode\""},
		{"{\"mode\": \"cache\", \"mode\": \"off\"}", "duplicate"},
		{"{\"cache_dir\": \"relative/dir\"}", "\"cache_dir\""},
		{"{\"colour\": true}", "unknown key \"colour\""},
		{"{\"include\": {\"types\": [\"xdp\", \"nosuch\"]}}", "nosuch"},
		{"{\"include\": {\"names\": [1]}}", "include.names"},
		{"{\"exclude\": {\"name\": []}}", "exclude.name"},
		{"{\"min_insns\": -1}", "min_insns"},
		{"{\"log\": \"loud\"}", "\"log\""},
		{"[1, 2]", "object"},
	};
	char msg[CONFIG_MSG_SIZE];
	struct config c;
	size_t i;
	int err;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clear_env();
		write_config(bad[i].text);
		setenv("BPFSYNTH_MIN_INSNS", "7", 1);
		err = config_load(&c, msg, sizeof(msg));
		CHECK(err == -EINVAL, "case %zu: got %d, expected -EINVAL", i, err);
		CHECK(strstr(msg, bad[i].want) && strstr(msg, cfg_path),
		      "case %zu: message '%s' should name the file and say '%s'", i, msg,
		      bad[i].want);
		/* The file is ignored as a whole; the environment still applies. */
		CHECK(c.mode == CONFIG_MODE_ASYNC && c.min_insns == 7,
		      "case %zu: defaults + env after a bad file (mode %d, min %u)", i, c.mode,
		      c.min_insns);
		unlink(cfg_path);
	}
	clear_env();
	setenv("BPFSYNTH_CONFIG", "/nonexistent/bpfsynth.json", 1);
	ASSERT_EQ(config_load(&c, msg, sizeof(msg)), -ENOENT, "a named file must exist");
	ASSERT_EQ(c.mode, CONFIG_MODE_ASYNC, "defaults then");
	clear_env();
}

static void test_env_errors(void)
{
	char msg[CONFIG_MSG_SIZE];
	struct config c;

	clear_env();
	setenv("BPFSYNTH_CONFIG", "", 1);
	setenv("BPFSYNTH_MODE", "turbo", 1);
	setenv("BPFSYNTH_BUDGET", "-5", 1);
	setenv("BPFSYNTH_CACHE_DIR", "rel", 1);
	setenv("BPFSYNTH_MIN_INSNS", "12", 1);
	ASSERT_EQ(config_load(&c, msg, sizeof(msg)), -EINVAL, "bad variables reported");
	ASSERT_TRUE(strstr(msg, "BPFSYNTH_MODE") && strstr(msg, "BPFSYNTH_BUDGET") &&
			    strstr(msg, "BPFSYNTH_CACHE_DIR"),
		    "every bad variable named");
	ASSERT_EQ(c.mode, CONFIG_MODE_ASYNC, "bad mode ignored");
	ASSERT_EQ(c.budget_ms, CONFIG_DEFAULT_BUDGET_MS, "bad budget ignored");
	ASSERT_EQ(c.min_insns, 12, "good variable applied");
	clear_env();
}

static void test_parsers(void)
{
	uint64_t ms;

	ASSERT_OK(config_budget_parse("30", &ms), "plain seconds");
	ASSERT_EQ(ms, 30000, "30 = 30 s");
	ASSERT_OK(config_budget_parse("1m", &ms), "minutes");
	ASSERT_EQ(ms, 60000, "1m");
	ASSERT_EQ(config_budget_parse("1h", &ms), -EINVAL, "hours are not a unit");
	ASSERT_EQ(config_budget_parse("", &ms), -EINVAL, "empty");
	ASSERT_EQ(config_prog_type_parse("xdp"), BPF_PROG_TYPE_XDP, "xdp");
	ASSERT_EQ(config_prog_type_parse("sched_cls"), BPF_PROG_TYPE_SCHED_CLS, "sched_cls");
	ASSERT_EQ(config_prog_type_parse("lsm"), BPF_PROG_TYPE_LSM, "lsm");
	ASSERT_EQ(config_prog_type_parse("netfilter"), 32, "netfilter");
	ASSERT_STREQ(config_prog_type_str(BPF_PROG_TYPE_SK_LOOKUP), "sk_lookup", "sk_lookup");
	ASSERT_EQ(config_mode_parse("async"), CONFIG_MODE_ASYNC, "mode names");
}

static void test_log(void)
{
	char path[] = "/tmp/test_config_log.XXXXXX", buf[512];
	int fd, n;

	fd = mkstemp(path);
	close(fd);
	log_setup(LOG_INFO, path);
	errno = 1234;
	log_info("hello %d", 42);
	ASSERT_EQ(errno, 1234, "errno preserved");
	log_debug("not shown");
	log_setup(LOG_OFF, NULL);
	log_error("not shown either");
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	ASSERT_TRUE(strstr(buf, ": info: hello 42\n") != NULL, "message logged");
	ASSERT_TRUE(strstr(buf, "not shown") == NULL, "levels filter");
	unlink(path);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN_TEST(test_defaults);
	RUN_TEST(test_user_cache_dir);
	RUN_TEST(test_file_then_env);
	RUN_TEST(test_file_errors);
	RUN_TEST(test_env_errors);
	RUN_TEST(test_parsers);
	RUN_TEST(test_log);
	return test_summary("test_config");
}
