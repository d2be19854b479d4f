// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web;

import java.security.Principal;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.server.resource.authentication.AbstractOAuth2TokenAuthenticationToken;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.observation.TaskLocalDataObservationAutoConfiguration;
import dev.tld.autoconfigure.web.reactive.TaskLocalDataWebFluxAutoConfiguration;
import dev.tld.autoconfigure.web.servlet.TaskLocalDataWebMvcAutoConfiguration;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.web.reactive.AuthenticatedReactiveRequestMetadataFilter;
import dev.tld.spring.web.reactive.ReactiveRequestMetadataResolver;
import dev.tld.spring.web.reactive.ReactiveRequestMetadataRulesResolver;
import dev.tld.spring.web.servlet.AuthenticatedRequestMetadataFilter;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataRulesResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tld.tenants.source}, {@code tld.priorities.source} and
 * {@code tld.priorities.endpoints}: which resolver and filter each gives, and the startup
 * failures of bad entries, each naming the property at fault. Contexts use an unpinned
 * map and no tracing programs, so these run on any host.
 */
class RequestMetadataSourcesAutoConfigurationTests {

	private final WebApplicationContextRunner web = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataObservationAutoConfiguration.class, TaskLocalDataWebMvcAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	private final ReactiveWebApplicationContextRunner flux = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataObservationAutoConfiguration.class, TaskLocalDataWebFluxAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	static void failsNaming(ApplicationContextAssertProvider<?> context, String property, String reason) {
		assertThat(context).hasFailed();
		assertThat(context.getStartupFailure()).rootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.hasMessageContaining("Property " + property + " ")
			.hasMessageContaining(reason);
	}

	@Test
	void headersByDefaultWithoutTheRefiningFilter() {
		this.web.run((context) -> {
			assertThat(context.getBean(RequestMetadataResolver.class))
				.isInstanceOf(HeaderRequestMetadataResolver.class);
			assertThat(context).doesNotHaveBean("authenticatedRequestMetadataFilter");
		});
	}

	@Test
	void aPrincipalSourceRefinesRightAfterSpringSecuritysFilterChain() {
		this.web.withPropertyValues("tld.tenants.source=principal", "spring.security.filter.order=-50")
			.run((context) -> {
				assertThat(context.getBean(RequestMetadataResolver.class))
					.isInstanceOf(RequestMetadataRulesResolver.class);
				FilterRegistrationBean<?> filter = context.getBean("authenticatedRequestMetadataFilter",
						FilterRegistrationBean.class);
				assertThat(filter.getFilter()).isInstanceOf(AuthenticatedRequestMetadataFilter.class);
				assertThat(filter.getOrder()).isEqualTo(-49);
				assertThat(filter.isEnabled()).isTrue();
			});
	}

	@Test
	void aResolverOfTheApplicationsReplacesTheSourcesAndTheRefiningFilterIsOff() {
		this.web.withPropertyValues("tld.tenants.source=principal")
			.withBean(RequestMetadataResolver.class, () -> (request) -> new RequestMetadata("mine", 0, "r"))
			.run((context) -> assertThat(
					context.getBean("authenticatedRequestMetadataFilter", FilterRegistrationBean.class).isEnabled())
				.isFalse());
	}

	@Test
	void thePrincipalDecidesOnceAuthenticatedAndTheRestIsKept() {
		this.web.withPropertyValues("tld.tenants.source=principal", "tld.default-tenant=anonymous").run((context) -> {
			RequestMetadataRulesResolver resolver = (RequestMetadataRulesResolver) context
				.getBean(RequestMetadataResolver.class);
			MockHttpServletRequest request = new MockHttpServletRequest("GET", "/x");
			request.addHeader("X-Tenant", "evil");
			request.addHeader("X-Priority", "4");
			RequestMetadata before = resolver.resolve(request);
			assertThat(before.tenant()).isEqualTo("anonymous");
			assertThat(before.priority()).isEqualTo(4);
			request.setUserPrincipal(() -> "initech");
			RequestMetadata after = resolver.refine(before, request);
			assertThat(after).isEqualTo(new RequestMetadata("initech", 4, before.requestId()));
		});
	}

	@Test
	void endpointsAreCheckedInOrderFirstMatchWins() {
		this.web
			.withPropertyValues("tld.priorities.endpoints[0].pattern=/api/checkout/**",
					"tld.priorities.endpoints[0].methods=post,PUT", "tld.priorities.endpoints[0].priority=7",
					"tld.priorities.endpoints[1].pattern=/api/{name}/report", "tld.priorities.endpoints[1].priority=1",
					"tld.priorities.endpoints[2].pattern=/api/**", "tld.priorities.endpoints[2].priority=3")
			.run((context) -> {
				RequestMetadataResolver resolver = context.getBean(RequestMetadataResolver.class);
				assertThat(priority(resolver, "POST", "/api/checkout/cart", "9")).isEqualTo(7);
				assertThat(priority(resolver, "GET", "/api/checkout/cart", "9")).isEqualTo(3);
				assertThat(priority(resolver, "GET", "/api/sales/report", "9")).isEqualTo(1);
				assertThat(priority(resolver, "GET", "/health", "9")).as("no match: the header").isEqualTo(9);
				assertThat(priority(resolver, "GET", "/health", null)).as("the default").isEqualTo(0);
			});
	}

	static int priority(RequestMetadataResolver resolver, String method, String path, String header) {
		MockHttpServletRequest request = new MockHttpServletRequest(method, path);
		if (header != null) {
			request.addHeader("X-Priority", header);
		}
		RequestMetadata md = resolver.resolve(request);
		assertThat(md).isNotNull();
		return md.priority();
	}

	@Test
	void anInvalidPatternFailsStartupNamingTheEntry() {
		this.web
			.withPropertyValues("tld.priorities.endpoints[0].pattern=/ok", "tld.priorities.endpoints[0].priority=1",
					"tld.priorities.endpoints[1].pattern=/api/{unclosed", "tld.priorities.endpoints[1].priority=1")
			.run((context) -> failsNaming(context, "tld.priorities.endpoints[1].pattern", "not a valid path pattern"));
	}

	@Test
	void anUnknownMethodFailsStartupNamingTheEntry() {
		this.web
			.withPropertyValues("tld.priorities.endpoints[0].pattern=/api/**",
					"tld.priorities.endpoints[0].methods=GET,FETCH", "tld.priorities.endpoints[0].priority=1")
			.run((context) -> failsNaming(context, "tld.priorities.endpoints[0].methods[1]", "unknown HTTP method"));
	}

	@Test
	void aPriorityOutsideTheRangeOrMissingFailsStartupNamingTheEntry() {
		this.web
			.withPropertyValues("tld.priorities.max=5", "tld.priorities.endpoints[0].pattern=/api/**",
					"tld.priorities.endpoints[0].priority=6")
			.run((context) -> failsNaming(context, "tld.priorities.endpoints[0].priority", "0 to 5"));
		this.web.withPropertyValues("tld.priorities.endpoints[0].pattern=/api/**")
			.run((context) -> failsNaming(context, "tld.priorities.endpoints[0].priority", "needs a priority"));
		this.web.withPropertyValues("tld.priorities.endpoints[0].priority=1")
			.run((context) -> failsNaming(context, "tld.priorities.endpoints[0].pattern", "needs a path pattern"));
	}

	@Test
	void claimAndBaggageSourcesNeedTheirFieldsName() {
		this.web.withPropertyValues("tld.tenants.source=claim")
			.run((context) -> failsNaming(context, "tld.tenants.claim", "name of the claim"));
		this.web.withPropertyValues("tld.priorities.source=baggage")
			.run((context) -> failsNaming(context, "tld.priorities.baggage", "name of the baggage field"));
	}

	@Test
	void aPrincipalIsNoPriority() {
		this.web.withPropertyValues("tld.priorities.source=principal")
			.run((context) -> failsNaming(context, "tld.priorities.source", "not a priority"));
	}

	@Test
	void aBaggageFieldMustBeOneTheTracerExtracts() {
		this.web.withPropertyValues("tld.tenants.source=baggage", "tld.tenants.baggage=tenant")
			.run((context) -> failsNaming(context, "tld.tenants.baggage", "management.tracing.baggage.remote-fields"));
		this.web
			.withPropertyValues("tld.tenants.source=baggage", "tld.tenants.baggage=tenant",
					"management.tracing.baggage.remote-fields=region,tenant")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void baggageNeedsMicrometerTracing() {
		this.web.withClassLoader(new FilteredClassLoader("io.micrometer.tracing"))
			.withPropertyValues("tld.tenants.source=baggage", "tld.tenants.baggage=tenant",
					"management.tracing.baggage.remote-fields=tenant")
			.run((context) -> failsNaming(context, "tld.tenants.baggage", "Micrometer Tracing"));
	}

	@Test
	void claimsNeedSpringSecuritysResourceServer() {
		this.web.withClassLoader(new FilteredClassLoader(AbstractOAuth2TokenAuthenticationToken.class))
			.withPropertyValues("tld.tenants.source=claim", "tld.tenants.claim=tenant")
			.run((context) -> failsNaming(context, "tld.tenants.source", "oauth2-resource-server"));
	}

	@Test
	void aClaimThatIsNoTenantIsOther() {
		this.web.withPropertyValues("tld.tenants.source=claim", "tld.tenants.claim=tenant").run((context) -> {
			RequestMetadataRulesResolver resolver = (RequestMetadataRulesResolver) context
				.getBean(RequestMetadataResolver.class);
			MockHttpServletRequest request = new MockHttpServletRequest("GET", "/x");
			request.setUserPrincipal(new Principal() {
				@Override
				public String getName() {
					return "not a token";
				}
			});
			assertThat(resolver.resolve(request).tenant()).as("not a token's principal: the default")
				.isEqualTo("unknown");
		});
	}

	@Test
	void webFluxRefinesAfterSpringSecuritysWebFilterChainWhereASourceNeedsIt() {
		this.flux
			.withPropertyValues("tld.priorities.endpoints[0].pattern=/api/**", "tld.priorities.endpoints[0].priority=2")
			.run((context) -> {
				assertThat(context.getBean(ReactiveRequestMetadataResolver.class))
					.isInstanceOf(ReactiveRequestMetadataRulesResolver.class);
				assertThat(context).doesNotHaveBean(AuthenticatedReactiveRequestMetadataFilter.class);
			});
		this.flux.withPropertyValues("tld.tenants.source=principal")
			.run((context) -> assertThat(context.getBean(AuthenticatedReactiveRequestMetadataFilter.class).getOrder())
				.isEqualTo(-99));
		this.flux.withClassLoader(new FilteredClassLoader(AbstractOAuth2TokenAuthenticationToken.class))
			.withPropertyValues("tld.priorities.source=claim", "tld.priorities.claim=tier")
			.run((context) -> failsNaming(context, "tld.priorities.source", "oauth2-resource-server"));
	}

}
