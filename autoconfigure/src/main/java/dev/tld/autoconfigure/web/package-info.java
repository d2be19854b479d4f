// SPDX-License-Identifier: Apache-2.0
/**
 * What the servlet and reactive auto-configurations share: the rules of where a request's
 * tenant and priority come from, built and checked from the properties.
 */
@NullMarked
package dev.tld.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
