// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the servlet request filter and the Spring MVC callable
 * interceptor.
 */
@NullMarked
package dev.tld.autoconfigure.web.servlet;

import org.jspecify.annotations.NullMarked;
