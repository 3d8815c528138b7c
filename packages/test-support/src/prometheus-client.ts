/** Just enough of Prometheus' and Alertmanager's HTTP APIs for the suites that run them. */

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as ApiResponse<T>;
  if (!response.ok || body.status !== 'success') {
    throw new Error(`${url}: HTTP ${response.status} ${body.errorType ?? ''} ${body.error ?? ''}`.trim());
  }
  return body.data;
}

export class PrometheusClient {
  constructor(private readonly baseUrl: string) {}

  /** Instant query; throws with Prometheus' own message when the expression is invalid. */
  async query(expr: string): Promise<Sample[]> {
    const data = await getJson<{ resultType: string; result: Sample[] | [number, string] }>(
      `${this.baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (data.resultType === 'scalar') {
      return [{ metric: {}, value: data.result as [number, string] }];
    }
    return data.result as Sample[];
  }

  async targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]> {
    const data = await getJson<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>(
      `${this.baseUrl}/api/v1/targets?state=active`,
    );
    return data.activeTargets;
  }

  async alertState(alertname: string): Promise<'firing' | 'pending' | 'inactive'> {
    const data = await getJson<{ alerts: { labels: Record<string, string>; state: 'firing' | 'pending' }[] }>(
      `${this.baseUrl}/api/v1/alerts`,
    );
    return data.alerts.find((alert) => alert.labels.alertname === alertname)?.state ?? 'inactive';
  }
}

export interface AlertmanagerAlert {
  fingerprint: string;
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export class AlertmanagerClient {
  constructor(private readonly baseUrl: string) {}

  async alerts(alertname: string): Promise<AlertmanagerAlert[]> {
    const filter = encodeURIComponent(`alertname="${alertname}"`);
    const response = await fetch(`${this.baseUrl}/api/v2/alerts?filter=${filter}`);
    if (!response.ok) throw new Error(`alertmanager alerts: HTTP ${response.status}`);
    return (await response.json()) as AlertmanagerAlert[];
  }
}
