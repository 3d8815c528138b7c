/** Client of tests/e2e/slack-receiver/server.mjs, the Slack stand-in. */

export interface SlackAttachment {
  title: string;
  title_link: string;
  text: string;
  color: string;
  fallback: string;
}

export interface SlackMessage {
  receivedAt: string;
  path: string;
  payload: { channel?: string; username?: string; attachments: SlackAttachment[] };
}

/** What Alertmanager's webhook_configs post (the fields the suite reads). */
export interface HeartbeatPing {
  receivedAt: string;
  path: string;
  payload: { receiver: string; status: string; alerts: { labels: Record<string, string> }[] };
}

export interface Received {
  messages: SlackMessage[];
  heartbeats: HeartbeatPing[];
  refusedCalls: number;
}

export class SlackReceiver {
  constructor(private readonly baseUrl: string) {}

  async received(): Promise<Received> {
    const response = await fetch(`${this.baseUrl}/messages`);
    return (await response.json()) as Received;
  }

  /** Messages whose first attachment's title starts with `prefix` (e.g. "[FIRING:1] HighErrorRate"). */
  async titled(prefix: string): Promise<SlackMessage[]> {
    return (await this.received()).messages.filter((message) => message.payload.attachments[0]?.title.startsWith(prefix));
  }

  /** Answers every webhook call with `status` (a Slack outage) until called again with 0. */
  async setOutage(status: number): Promise<void> {
    const response = await fetch(`${this.baseUrl}/outage`, { method: 'PUT', body: JSON.stringify({ status }) });
    if (!response.ok) throw new Error(`slack-receiver outage: HTTP ${response.status}`);
  }
}
