/* The ceiling for scenario 1: a libuv server on one thread that answers every read with a fixed 200 and parses
 * nothing. wrk sends one request per write on each keep-alive connection, so one read is one request. Whatever
 * delivery-metrics does beyond this (parse, route, validate, store, answer) is the cost of its real work. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static uv_buf_t answer_buf;

static void on_close(uv_handle_t *handle) { free(handle); }

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
    static char slab[65536];
    (void)handle;
    (void)suggested;
    *buf = uv_buf_init(slab, sizeof slab);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    (void)buf;
    if (nread < 0) {
        uv_close((uv_handle_t *)stream, on_close);
        return;
    }
    if (nread > 0 && uv_try_write(stream, &answer_buf, 1) < 0) uv_close((uv_handle_t *)stream, on_close);
}

static void on_connection(uv_stream_t *server, int status) {
    if (status < 0) return;
    uv_tcp_t *client = malloc(sizeof *client);
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, (uv_stream_t *)client) == 0) {
        uv_tcp_nodelay(client, 1);
        uv_read_start((uv_stream_t *)client, on_alloc, on_read);
    } else {
        uv_close((uv_handle_t *)client, on_close);
    }
}

int main(int argc, char **argv) {
    struct sockaddr_in address;
    uv_tcp_t server;
    answer_buf = uv_buf_init((char *)answer, sizeof answer - 1);
    uv_ip4_addr("127.0.0.1", argc > 1 ? atoi(argv[1]) : 2113, &address);
    uv_tcp_init(uv_default_loop(), &server);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&address, 0) != 0) return 1;
    if (uv_listen((uv_stream_t *)&server, 1024, on_connection) != 0) return 1;
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
