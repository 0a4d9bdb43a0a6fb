/* read_full with an explicit offset (0) on a socket whose data comes in two parts: all bytes arrive, or the call is refused before consuming any; never bytes consumed and then an error. */
#include "adv.h"

#include <pthread.h>
#include <sys/socket.h>

static int sv[2];

static void *second_half_later(void *arg)
{
	(void)arg;
	usleep(30 * 1000); /* the first read has returned its 5 bytes by now */
	CHECK_EQ(write(sv[1], "56789", 5), 5);
	return NULL;
}

static void task(void *arg)
{
	(void)arg;
	char buf[16] = { 0 };
	CHECK_EQ(write(sv[1], "01234", 5), 5);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, second_half_later, NULL), 0);
	size_t done = 12345;
	ssize_t r = urt_read_full_n(sv[0], buf, 10, 0, &done);
	pthread_join(th, NULL);
	fprintf(stderr, "urt_read_full_n(socket, 10, off 0) = %zd, done %zu\n", r, done);
	if (r == 10) {
		CHECK(memcmp(buf, "0123456789", 10) == 0);
		return;
	}
	/* refused: then nothing was consumed */
	CHECK(r < 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), 10);
	CHECK(memcmp(buf, "0123456789", 10) == 0);
}

int main(void)
{
	adv_watchdog(20, "stream_explicit_offset");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_EQ(adv_run1(task, NULL), 0);
	return 0;
}
