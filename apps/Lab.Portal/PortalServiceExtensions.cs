using System.Text.Json.Serialization;
using Lab.Contracts;
using Lab.Portal.Clients;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Lab.Portal;

public static class PortalServiceExtensions
{
    public static WebApplicationBuilder AddLabPortal(this WebApplicationBuilder builder)
    {
        builder.AddPortalKeyRing();
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "lab.portal";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = PortalLogin.LoginPath;
                cookie.ExpireTimeSpan = TimeSpan.FromDays(7);
                cookie.SlidingExpiration = true;
            });
        builder.Services.AddAuthorization();

        builder.Services.AddTransient<MemberTokenHandler>();
        builder.Services.AddHttpClient<LabApiClient>(http => http.BaseAddress = LabServices.DiscoveryUri(LabServices.Api))
            .AddHttpMessageHandler<MemberTokenHandler>();
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder;
    }
}
