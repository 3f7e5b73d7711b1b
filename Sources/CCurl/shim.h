// libcurl's headers, from Debian's libcurl4-openssl-dev, for the API scraper's HTTPS requests: its types, constants
// and function signatures only. The library itself is not linked: Loop's HTTPClient opens libcurl.so.4 with dlopen
// when the first client is made, so a service that never scrapes never maps it (nor OpenSSL, GnuTLS, Kerberos and
// the rest it brings), and calls every function through a table of pointers that dlsym filled.
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// The name dlopen is given; scripts/check-runtime-packages.sh reads it from here, so the runtime image keeps the
// package that ships it (libcurl4) although the binary does not link it.
#define CCURL_LIBRARY "libcurl.so.4"

// The types of the functions the client calls, taken from curl.h's own declarations so they cannot drift from it.
typedef __typeof__(&curl_global_init) ccurl_global_init_function;
typedef __typeof__(&curl_global_cleanup) ccurl_global_cleanup_function;
typedef __typeof__(&curl_version_info) ccurl_version_info_function;
typedef __typeof__(&curl_multi_init) ccurl_multi_init_function;
typedef __typeof__(&curl_multi_cleanup) ccurl_multi_cleanup_function;
typedef __typeof__(&curl_multi_add_handle) ccurl_multi_add_handle_function;
typedef __typeof__(&curl_multi_remove_handle) ccurl_multi_remove_handle_function;
typedef __typeof__(&curl_multi_socket_action) ccurl_multi_socket_action_function;
typedef __typeof__(&curl_multi_info_read) ccurl_multi_info_read_function;
typedef __typeof__(&curl_easy_init) ccurl_easy_init_function;
typedef __typeof__(&curl_easy_cleanup) ccurl_easy_cleanup_function;
typedef __typeof__(&curl_easy_strerror) ccurl_easy_strerror_function;
typedef __typeof__(&curl_slist_append) ccurl_slist_append_function;
typedef __typeof__(&curl_slist_free_all) ccurl_slist_free_all_function;

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift can neither call nor name as a
// function type: the table keeps them as raw pointers, and these typed wrappers, the whole reason this header has
// code in it, call through them with the one argument type each option takes.
typedef __typeof__(&curl_easy_setopt) ccurl_easy_setopt_function;
typedef __typeof__(&curl_easy_getinfo) ccurl_easy_getinfo_function;
typedef __typeof__(&curl_multi_setopt) ccurl_multi_setopt_function;

static inline CURLcode ccurl_easy_setopt_long(void *setopt, CURL *easy, CURLoption option, long value) {
    return ((ccurl_easy_setopt_function)setopt)(easy, option, value);
}
static inline CURLcode ccurl_easy_setopt_string(void *setopt, CURL *easy, CURLoption option, const char *value) {
    return ((ccurl_easy_setopt_function)setopt)(easy, option, value);
}
static inline CURLcode ccurl_easy_setopt_pointer(void *setopt, CURL *easy, CURLoption option, void *value) {
    return ((ccurl_easy_setopt_function)setopt)(easy, option, value);
}
static inline CURLcode ccurl_easy_setopt_slist(void *setopt, CURL *easy, CURLoption option, struct curl_slist *value) {
    return ((ccurl_easy_setopt_function)setopt)(easy, option, value);
}
static inline CURLcode ccurl_easy_setopt_data_callback(
    void *setopt, CURL *easy, CURLoption option, curl_write_callback callback) {
    return ((ccurl_easy_setopt_function)setopt)(easy, option, callback);
}
static inline CURLcode ccurl_easy_getinfo_long(void *getinfo, CURL *easy, CURLINFO info, long *value) {
    return ((ccurl_easy_getinfo_function)getinfo)(easy, info, value);
}
static inline CURLcode ccurl_easy_getinfo_pointer(void *getinfo, CURL *easy, CURLINFO info, char **value) {
    return ((ccurl_easy_getinfo_function)getinfo)(easy, info, value);
}
static inline CURLMcode ccurl_multi_setopt_socket_function(void *setopt, CURLM *multi, curl_socket_callback callback) {
    return ((ccurl_multi_setopt_function)setopt)(multi, CURLMOPT_SOCKETFUNCTION, callback);
}
static inline CURLMcode ccurl_multi_setopt_timer_function(
    void *setopt, CURLM *multi, curl_multi_timer_callback callback) {
    return ((ccurl_multi_setopt_function)setopt)(multi, CURLMOPT_TIMERFUNCTION, callback);
}
static inline CURLMcode ccurl_multi_setopt_pointer(void *setopt, CURLM *multi, CURLMoption option, void *value) {
    return ((ccurl_multi_setopt_function)setopt)(multi, option, value);
}

#endif
