// SPDX-License-Identifier: Apache-2.0
/**
 * Servlet support: a filter that publishes each request's metadata on the thread serving
 * it, and the resolver that decides that metadata.
 */
@NullMarked
package dev.tld.spring.web.servlet;

import org.jspecify.annotations.NullMarked;
