/**
 * A profiling report's HTML page, where the EDA page's report links go (in a new tab). The API needs
 * the session's bearer token, which a plain link to it would not carry, so this page asks for it:
 * locally the API answers the page itself, shown here in a sandboxed frame (no script may run, the
 * page's own CSP applies too; every value in it is escaped); in AWS it answers a presigned link to the
 * page rendered into the data bucket, which replaces this page (a fresh link at each visit, so the
 * console's link never expires).
 */
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { getEdaReportPage } from '../../api/platform-endpoints';
import { ErrorBox, Loading } from '../../components/status';

export function EdaReportPage() {
  const { source = '', reportId = '' } = useParams();
  const page = useQuery({ queryKey: ['eda', source, 'page', reportId], queryFn: () => getEdaReportPage(source, reportId), gcTime: 0, retry: false, refetchOnWindowFocus: false });
  const url = page.data && 'url' in page.data ? page.data.url : null;
  useEffect(() => {
    if (url) window.location.replace(url);
  }, [url]);
  const title = `EDA report ${reportId} of ${source}`;
  return (
    <div className="page eda-report-page">
      <div className="page-head">
        <h1>{title}</h1>
        <span className="grow" />
        <Link to="/eda">All EDA sources</Link>
      </div>
      {page.isPending ? <Loading what="the report" /> : null}
      {page.isError ? <ErrorBox error={page.error} /> : null}
      {url ? (
        <p className="muted">
          Opening the report… (<a href={url}>open it</a> if nothing happens)
        </p>
      ) : null}
      {page.data && 'html' in page.data ? <iframe className="eda-report-frame" title={title} sandbox="" srcDoc={page.data.html} /> : null}
    </div>
  );
}
