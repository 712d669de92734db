#include "CSocketsTLS.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

static BIO_METHOD *socket_method;
static pthread_once_t socket_method_once = PTHREAD_ONCE_INIT;
static long (*socket_ctrl_original)(BIO *, int, long, void *);
static int (*socket_destroy_original)(BIO *);

/// What the socket BIO keeps besides the descriptor (its data pointer, which OpenSSL's
/// socket BIO does not use).
typedef struct {
    /// The last `recv` returned less than asked for: the socket was drained.
    int drained;
    /// Reads after one that drained the socket answer "retry" without a system call (see
    /// `csockets_tls_read_more`).
    int holding_reads;
    /// Records written and not yet sent: `pending[start..<end]`, heap memory of `capacity`
    /// bytes, kept while the connection is busy and freed by `csockets_tls_release_idle`
    /// (an idle connection holds none).
    unsigned char *pending;
    size_t start, end, capacity;
} socket_state;

/// Sends what is pending: 1 when all of it is gone, 0 when the socket takes no more now
/// (`EAGAIN`), -1 on a failure (`errno`). EINTR retried.
static int flush_pending(BIO *bio, socket_state *state) {
    int fd = -1;
    BIO_get_fd(bio, &fd);
    while (state->start < state->end) {
        ssize_t sent;
        do {
            sent = send(fd, state->pending + state->start, state->end - state->start, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (sent < 0 && errno == EINTR);
        if (sent < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        state->start += (size_t)sent;
    }
    state->start = state->end = 0;
    return 1;
}

/// OpenSSL's write: the record is kept to be sent with those that follow it, at the
/// flush after the OpenSSL call (`csockets_tls_flush`) or OpenSSL's own `BIO_flush` (the
/// handshake's). A 64 KiB `SSL_write` then costs one `send` instead of one per record.
static int socket_write(BIO *bio, const char *data, int length) {
    socket_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    size_t needed = state->end + (size_t)length;
    if (needed > state->capacity) {
        if (state->start > 0) {
            memmove(state->pending, state->pending + state->start, state->end - state->start);
            state->end -= state->start;
            needed -= state->start;
            state->start = 0;
        }
        if (needed > state->capacity) {
            size_t capacity = state->capacity * 2 > needed ? state->capacity * 2 : needed;
            unsigned char *grown = realloc(state->pending, capacity);
            if (grown == NULL) {
                errno = ENOMEM;
                return -1;
            }
            state->pending = grown;
            state->capacity = capacity;
        }
    }
    memcpy(state->pending + state->end, data, (size_t)length);
    state->end += (size_t)length;
    return length;
}

/// OpenSSL's socket read with EINTR retried; 0 marks the end of input, as OpenSSL's does.
/// A read that returns less than asked for drained the socket: that is noted for
/// `csockets_tls_take_drained`.
static int socket_read(BIO *bio, char *data, int length) {
    socket_state *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (state->holding_reads && state->drained) {
        BIO_set_retry_read(bio);
        return -1;
    }
    int fd = -1;
    BIO_get_fd(bio, &fd);
    ssize_t received;
    do {
        received = recv(fd, data, (size_t)length, MSG_DONTWAIT);
    } while (received < 0 && errno == EINTR);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        BIO_set_retry_read(bio);
    } else if (received == 0) {
        BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
    }
    state->drained = received > 0 && received < length;
    return (int)received;
}

/// The socket BIO's controls, with `BIO_flush` sending what is pending (a retry when the
/// socket is full) and `BIO_wpending` counting it.
static long socket_ctrl(BIO *bio, int command, long number, void *pointer) {
    socket_state *state = BIO_get_data(bio);
    if (state != NULL && command == BIO_CTRL_FLUSH) {
        BIO_clear_retry_flags(bio);
        int flushed = flush_pending(bio, state);
        if (flushed == 0) BIO_set_retry_write(bio);
        return flushed == 1 ? 1 : -1;
    }
    if (state != NULL && command == BIO_CTRL_WPENDING) return (long)(state->end - state->start);
    return socket_ctrl_original(bio, command, number, pointer);
}

static int socket_destroy(BIO *bio) {
    socket_state *state = BIO_get_data(bio);
    if (state != NULL) {
        free(state->pending);
        free(state);
        BIO_set_data(bio, NULL);
    }
    return socket_destroy_original(bio);
}

static socket_state *state_of(void *ssl) {
    BIO *bio = SSL_get_rbio(ssl);
    return bio == NULL ? NULL : BIO_get_data(bio);
}

int csockets_tls_take_drained(void *ssl) {
    socket_state *state = state_of(ssl);
    if (state == NULL || !state->drained) return 0;
    state->drained = 0;
    return 1;
}

int csockets_tls_flush(void *ssl) {
    BIO *bio = SSL_get_wbio(ssl);
    socket_state *state = bio == NULL ? NULL : BIO_get_data(bio);
    if (state == NULL || state->start == state->end) return 1;
    return flush_pending(bio, state);
}

void csockets_tls_release_idle(void *ssl) {
    socket_state *state = state_of(ssl);
    if (state == NULL || state->start != state->end || state->pending == NULL) return;
    free(state->pending);
    state->pending = NULL;
    state->start = state->end = state->capacity = 0;
}

int csockets_tls_read_more(void *ssl, void *buffer, size_t length, size_t *count) {
    *count = 0;
    socket_state *state = state_of(ssl);
    if (state == NULL || (state->drained && SSL_has_pending(ssl) == 0)) return 1;
    state->holding_reads = 1;
    int result = 1;
    while (*count < length) {
        size_t read = 0;
        result = SSL_read_ex(ssl, (char *)buffer + *count, length - *count, &read);
        if (result <= 0) break;
        *count += read;
    }
    state->holding_reads = 0;
    return result;
}

static int socket_puts(BIO *bio, const char *text) {
    return socket_write(bio, text, (int)strlen(text));
}

static void make_socket_method(void) {
    const BIO_METHOD *original = BIO_s_socket();
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "sockets");
    if (method == NULL) return;
    socket_ctrl_original = BIO_meth_get_ctrl(original);
    socket_destroy_original = BIO_meth_get_destroy(original);
    BIO_meth_set_write(method, socket_write);
    BIO_meth_set_read(method, socket_read);
    BIO_meth_set_puts(method, socket_puts);
    BIO_meth_set_ctrl(method, socket_ctrl);
    BIO_meth_set_create(method, BIO_meth_get_create(original));
    BIO_meth_set_destroy(method, socket_destroy);
    socket_method = method;
}

void *csockets_tls_socket_bio(int fd) {
    pthread_once(&socket_method_once, make_socket_method);
    if (socket_method == NULL) return NULL;
    socket_state *state = calloc(1, sizeof(socket_state));
    if (state == NULL) return NULL;
    BIO *bio = BIO_new(socket_method);
    if (bio == NULL) {
        free(state);
        return NULL;
    }
    BIO_set_data(bio, state);
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    return bio;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outLength, const unsigned char *offered,
                       unsigned int offeredLength, void *argument) {
    (void)ssl;
    const unsigned char *ours = argument;
    unsigned int oursLength = 0;
    // The wire format is a list of length-prefixed names; the caller ends it with a 0.
    for (unsigned int index = 0; ours[index] != 0; index += 1u + ours[index]) oursLength = index + 1u + ours[index];
    unsigned char *selected = NULL;
    unsigned char selectedLength = 0;
    if (SSL_select_next_proto(&selected, &selectedLength, ours, oursLength, offered, offeredLength) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    *outLength = selectedLength;
    return SSL_TLSEXT_ERR_OK;
}

int csockets_tls_set_alpn_selection(void *context, const unsigned char *protocols) {
    SSL_CTX_set_alpn_select_cb(context, select_alpn, (void *)protocols);
    return 1;
}
