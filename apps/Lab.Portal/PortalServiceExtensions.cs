using System.Text.Json.Serialization;
using Lab.Contracts;
using Lab.Portal.Clients;

namespace Lab.Portal;

public static class PortalServiceExtensions
{
    public static WebApplicationBuilder AddLabPortal(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddHttpClient<LabApiClient>(http => http.BaseAddress = LabServices.DiscoveryUri(LabServices.Api));
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder;
    }
}
