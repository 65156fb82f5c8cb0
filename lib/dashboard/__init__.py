"""Everything the Streamlit pages call: queries, charts, actions. The only lib/ part that may
import Streamlit."""
