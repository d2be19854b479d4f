// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The priority of the requests to an endpoint: a path pattern in Spring's
 * {@link PathPattern} syntax (matched against the path within the application) and,
 * optionally, the HTTP methods it applies to.
 */
public final class EndpointPriority {

	/** The methods an endpoint may name: those of RFC 9110 and PATCH. */
	public enum Method {

		/** GET. */
		GET,
		/** HEAD. */
		HEAD,
		/** POST. */
		POST,
		/** PUT. */
		PUT,
		/** PATCH. */
		PATCH,
		/** DELETE. */
		DELETE,
		/** OPTIONS. */
		OPTIONS,
		/** TRACE. */
		TRACE

	}

	private final PathPattern pattern;

	private final Set<Method> methods;

	private final int priority;

	private EndpointPriority(PathPattern pattern, Set<Method> methods, int priority) {
		this.pattern = pattern;
		this.methods = methods;
		this.priority = priority;
	}

	/**
	 * Parse an endpoint's priority.
	 * @param pattern the path pattern, such as {@code /api/checkout/**}
	 * @param methods the methods it applies to (case-insensitive); empty for every method
	 * @param priority the priority of its requests
	 * @return the endpoint's priority
	 * @throws IllegalArgumentException if the pattern is not a valid path pattern
	 * ({@link org.springframework.web.util.pattern.PatternParseException}) or a method is
	 * unknown ({@link UnknownMethodException})
	 */
	public static EndpointPriority of(String pattern, Collection<String> methods, int priority) {
		Objects.requireNonNull(pattern, "pattern");
		PathPattern parsed = PathPatternParser.defaultInstance.parse(pattern);
		Set<Method> set = EnumSet.noneOf(Method.class);
		for (String m : methods) {
			set.add(method(m));
		}
		return new EndpointPriority(parsed, Set.copyOf(set), priority);
	}

	/**
	 * A method an endpoint may name.
	 * @param name its name, case-insensitive
	 * @return the method
	 * @throws UnknownMethodException if it is none of {@link Method}
	 */
	public static Method method(String name) {
		try {
			return Method.valueOf(name.strip().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			throw new UnknownMethodException(name);
		}
	}

	/**
	 * Whether a request is to this endpoint.
	 * @param method the request's method
	 * @param path its path within the application
	 * @return whether the method is one of this endpoint's (or it names none) and the
	 * pattern matches the path
	 */
	public boolean matches(String method, PathContainer path) {
		if (!this.methods.isEmpty()) {
			Method m;
			try {
				m = Method.valueOf(method);
			}
			catch (IllegalArgumentException ex) {
				return false;
			}
			if (!this.methods.contains(m)) {
				return false;
			}
		}
		return this.pattern.matches(path);
	}

	/**
	 * The priority of the endpoint's requests.
	 * @return the priority
	 */
	public int priority() {
		return this.priority;
	}

	@Override
	public String toString() {
		return this.methods + " " + this.pattern.getPatternString() + " -> " + this.priority;
	}

	/** A method that is none of {@link Method}. */
	public static final class UnknownMethodException extends IllegalArgumentException {

		private static final long serialVersionUID = 1L;

		UnknownMethodException(String name) {
			super("unknown HTTP method '" + name + "'; known: " + EnumSet.allOf(Method.class));
		}

	}

}
